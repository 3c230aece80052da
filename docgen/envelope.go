package docgen

import "encoding/json"

// The wire envelopes of rtkit, as JSON Schemas whose references point at
// prefix (the components of an AsyncAPI document).

func errorDetailSchema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"JSON Pointer of the offending field"},` +
		`"message":{"type":"string"}},"required":["path","message"]}`)
}

func errorSchema(prefix string) json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"code":{"type":"string","description":"Machine-readable error code"},` +
		`"message":{"type":"string","description":"A sentence for people"},` +
		`"details":{"type":"array","items":{"$ref":"` + prefix + `rtkit.ErrorDetail"},"description":"For VALIDATION_ERROR: one entry per offending field"},` +
		`"retryAfterMs":{"type":"integer","minimum":1,"description":"For RATE_LIMITED: when a retry can succeed"}},` +
		`"required":["code","message"]}`)
}

func errorEventSchema(prefix string) json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"code":{"type":"string"},"message":{"type":"string"},` +
		`"event":{"type":"string","description":"The event that failed"},` +
		`"details":{"type":"array","items":{"$ref":"` + prefix + `rtkit.ErrorDetail"}},` +
		`"retryAfterMs":{"type":"integer","minimum":1}},` +
		`"required":["code","message","event"]}`)
}

func ackFailureSchema(prefix string) json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"success":{"const":false},"error":{"$ref":"` + prefix + `rtkit.Error"}},` +
		`"required":["success","error"]}`)
}

// ackSchema is the envelope of an acknowledgement whose data is the schema
// at dataRef; with dataRef "", the envelope of a NoAck event.
func ackSchema(prefix, dataRef string) json.RawMessage {
	ok := `{"type":"object","properties":{"success":{"const":true}},"required":["success"]}`
	if dataRef != "" {
		ok = `{"type":"object","properties":{"success":{"const":true},"data":{"$ref":"` + dataRef + `"}},"required":["success","data"]}`
	}
	return json.RawMessage(`{"oneOf":[` + ok + `,{"$ref":"` + prefix + `rtkit.AckFailure"}]}`)
}
