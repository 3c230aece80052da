package docgen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rtkit-go/rtkit"
)

// Info names the API in the AsyncAPI document and the Markdown index.
type Info struct {
	// Title defaults to "Socket.IO API".
	Title string
	// Version of the API (not of rtkit); defaults to "0.0.0".
	Version string
	// Description, CommonMark.
	Description string
}

func (i Info) withDefaults() Info {
	if i.Title == "" {
		i.Title = "Socket.IO API"
	}
	if i.Version == "" {
		i.Version = "0.0.0"
	}
	return i
}

const componentSchemas = "#/components/schemas/"

type asyncDoc struct {
	AsyncAPI           string                    `json:"asyncapi"`
	Info               asyncInfo                 `json:"info"`
	DefaultContentType string                    `json:"defaultContentType"`
	Channels           map[string]asyncChannel   `json:"channels"`
	Operations         map[string]asyncOperation `json:"operations"`
	Components         asyncComponents           `json:"components"`
	Recovery           *rtkit.RecoverySpec       `json:"x-rtkit-recovery,omitempty"`
}

type asyncInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type ref struct {
	Ref string `json:"$ref"`
}

type asyncChannel struct {
	Address     string           `json:"address"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Messages    map[string]ref   `json:"messages"`
	Rooms       []rtkit.RoomSpec `json:"x-rtkit-rooms,omitempty"`
}

type asyncOperation struct {
	Action      string       `json:"action"`
	Channel     ref          `json:"channel"`
	Title       string       `json:"title,omitempty"`
	Summary     string       `json:"summary,omitempty"`
	Description string       `json:"description,omitempty"`
	Messages    []ref        `json:"messages"`
	Reply       *asyncReply  `json:"reply,omitempty"`
	Errors      []rtkit.Code `json:"x-rtkit-errors,omitempty"`
	Security    []ref        `json:"security,omitempty"`
}

type asyncReply struct {
	Channel  ref   `json:"channel"`
	Messages []ref `json:"messages"`
}

type asyncMessage struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Summary     string `json:"summary,omitempty"`
	Description string `json:"description,omitempty"`
	ContentType string `json:"contentType"`
	Payload     ref    `json:"payload"`
	// Offset describes the trailing offset argument of a logged event.
	Offset *trailingArg `json:"x-rtkit-offset,omitempty"`
	// MaxBinarySize bounds the total size of the binary attachments
	// (x-rtkit-binary values) of one payload or acknowledgement.
	MaxBinarySize int `json:"x-rtkit-max-binary-size,omitempty"`
}

// trailingArg is a Socket.IO argument that follows the payload.
type trailingArg struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
}

var offsetArg = &trailingArg{
	Description: "With connection state recovery on, the event's offset in the delivery log follows the payload as a second Socket.IO argument. The client keeps the last one and sends it back when it reconnects (socket.io-client does this by itself).",
	Schema:      json.RawMessage(`{"type":"string"}`),
}

type asyncComponents struct {
	Schemas         map[string]json.RawMessage `json:"schemas"`
	Messages        map[string]asyncMessage    `json:"messages"`
	SecuritySchemes map[string]any             `json:"securitySchemes,omitempty"`
}

// AsyncAPI returns an AsyncAPI 3.0.0 document, in JSON, that describes the
// server: one channel per namespace (its address is the namespace name),
// an operation per event (receive for client → server, send for
// server → client), acknowledgements as operation replies on the same
// channel, and the "error" event. Every schema is a component: the $defs
// of rtkit's schemas are moved there, so payloads read as JSON Schema
// draft-07, AsyncAPI's default schema format. Error codes and room
// policies travel in x-rtkit-errors and x-rtkit-rooms extensions.
func AsyncAPI(sp rtkit.Spec, info Info) ([]byte, error) {
	info = info.withDefaults()
	reg := newRegistry(componentSchemas)
	doc := asyncDoc{
		AsyncAPI:           "3.0.0",
		Info:               asyncInfo{Title: info.Title, Version: info.Version, Description: info.Description},
		Recovery:           sp.Recovery,
		DefaultContentType: "application/json",
		Channels:           map[string]asyncChannel{},
		Operations:         map[string]asyncOperation{},
		Components: asyncComponents{
			Schemas: map[string]json.RawMessage{
				"rtkit.ErrorDetail": errorDetailSchema(),
				"rtkit.Error":       errorSchema(componentSchemas),
				"rtkit.ErrorEvent":  errorEventSchema(componentSchemas),
				"rtkit.AckFailure":  ackFailureSchema(componentSchemas),
			},
			Messages: map[string]asyncMessage{},
		},
	}
	channelIDs := map[string]bool{}
	for _, ns := range sp.Namespaces {
		chID := unique(channelIDs, componentKey(slug(ns.Name)))
		chRef := ref{"#/channels/" + chID}
		ch := asyncChannel{Address: ns.Name, Title: ns.Name, Description: ns.Description,
			Messages: map[string]ref{}, Rooms: ns.Rooms}
		msgIDs := map[string]bool{"error": true}
		var security []ref
		if a, ok := authOf(ns.Annotations); ok && a.Required {
			schemes, refs := securitySchemes(a)
			if doc.Components.SecuritySchemes == nil {
				doc.Components.SecuritySchemes = map[string]any{}
			}
			for k, v := range schemes {
				doc.Components.SecuritySchemes[k] = v
			}
			security = refs
		}
		addMessage := func(key string, m asyncMessage) ref {
			compKey := chID + "." + key
			doc.Components.Messages[compKey] = m
			ch.Messages[key] = ref{"#/components/messages/" + compKey}
			return ref{"#/channels/" + chID + "/messages/" + key}
		}
		for _, ev := range ns.Events {
			payload, err := reg.add(typeName(ev.PayloadType), ev.Payload)
			if err != nil {
				return nil, fmt.Errorf("docgen: namespace %s, event %s: %w", ns.Name, ev.Name, err)
			}
			key := unique(msgIDs, componentKey(strings.ReplaceAll(ev.Name, ":", ".")))
			desc := ev.Description
			if ev.Deprecated != "" {
				desc = strings.TrimSpace("**Deprecated:** " + ev.Deprecated + "\n\n" + desc)
			}
			msg := asyncMessage{Name: ev.Name, Title: ev.Name, Summary: ev.Summary,
				ContentType: "application/json", Payload: ref{componentSchemas + payload}}
			if ev.Offset {
				msg.Offset = offsetArg
				msg.Description = "A second argument follows the payload: the event's offset in the delivery log (x-rtkit-offset)."
			}
			if ev.MaxBinarySize > 0 && hasBinary(ev.Payload) {
				msg.MaxBinarySize = ev.MaxBinarySize
				msg.Description = strings.TrimSpace(msg.Description + " " + binaryNote(ev.MaxBinarySize))
			}
			op := asyncOperation{
				Action: "receive", Channel: chRef, Title: ev.Name, Summary: ev.Summary, Description: desc,
				Messages: []ref{addMessage(key, msg)},
				Errors:   ev.Errors,
			}
			if ev.Direction == rtkit.ClientToServer {
				op.Security = security
			}
			if ev.Direction == rtkit.ServerToClient {
				op.Action = "send"
			}
			if ev.Ack != nil {
				ack, err := reg.add(typeName(ev.AckType), ev.Ack)
				if err != nil {
					return nil, fmt.Errorf("docgen: namespace %s, event %s: %w", ns.Name, ev.Name, err)
				}
				reply := asyncMessage{Name: ev.Name, Title: ev.Name + " (acknowledgement)",
					ContentType: "application/json", Payload: ref{componentSchemas + ack}}
				if ev.Direction == rtkit.ClientToServer {
					envelope := "rtkit.Ack." + ack
					doc.Components.Schemas[envelope] = ackSchema(componentSchemas, componentSchemas+ack)
					reply.Payload = ref{componentSchemas + envelope}
					reply.Description = "The acknowledgement envelope: {\"success\": true, \"data\": …} or {\"success\": false, \"error\": …}."
				} else {
					reply.Description = "The client calls back with the acknowledgement data itself."
				}
				if ev.MaxBinarySize > 0 && hasBinary(ev.Ack) {
					reply.MaxBinarySize = ev.MaxBinarySize
					reply.Description += " " + binaryNote(ev.MaxBinarySize)
				}
				ackKey := unique(msgIDs, key+".ack")
				op.Reply = &asyncReply{Channel: chRef, Messages: []ref{addMessage(ackKey, reply)}}
			}
			doc.Operations[op.Action+"."+chID+"."+key] = op
		}
		errRef := addMessage("error", asyncMessage{Name: "error", Title: "error",
			Summary:     "A failure, when the client gave no acknowledgement callback",
			ContentType: "application/json", Payload: ref{componentSchemas + "rtkit.ErrorEvent"}})
		doc.Operations["send."+chID+".error"] = asyncOperation{Action: "send", Channel: chRef, Title: "error",
			Summary: "Report a failed event the client emitted without an acknowledgement callback", Messages: []ref{errRef}}
		doc.Channels[chID] = ch
	}
	for name, raw := range reg.entries {
		doc.Components.Schemas[name] = raw
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("docgen: AsyncAPI: %w", err)
	}
	return append(b, '\n'), nil
}

// componentKey keeps what AsyncAPI allows in component keys
// (letters, digits, ".", "-", "_") and replaces the rest with "_".
func componentKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// unique returns key, or key with a numbered suffix if taken, and marks it
// taken.
func unique(taken map[string]bool, key string) string {
	k := key
	for i := 2; taken[k]; i++ {
		k = fmt.Sprintf("%s_%d", key, i)
	}
	taken[k] = true
	return k
}
