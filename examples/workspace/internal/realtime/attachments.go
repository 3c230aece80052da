package realtime

import (
	"context"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// MaxAttachmentBytes bounds one attachment, on the socket (the events'
// MaxBinarySize) and in the REST API.
const MaxAttachmentBytes = 256 << 10

// Attachment is a file shared with a document's followers: its bytes
// travel as a Socket.IO binary attachment (rtkit.Binary), the rest as JSON.
// Attachments are shared live, not stored: followers that are connected
// (or recover their session) receive them.
type Attachment struct {
	DocumentID  uuid.UUID    `json:"documentId"`
	Name        string       `json:"name" jsonschema:"minLength=1,maxLength=200,pattern=^[^/\\\\]+$" jsonschema_description:"A file name, without a path"`
	ContentType string       `json:"contentType" jsonschema:"minLength=3,maxLength=100,pattern=^[a-z]+/[a-zA-Z0-9.+-]+$" jsonschema_description:"A media type such as image/png"`
	Data        rtkit.Binary `json:"data" jsonschema_description:"The file: an ArrayBuffer or typed array (a Buffer in Node)"`
}

// AttachmentInfo acknowledges a shared attachment.
type AttachmentInfo struct {
	DocumentID  uuid.UUID `json:"documentId"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int       `json:"size"`
}

// InfoOf describes an attachment without its bytes.
func InfoOf(a Attachment) AttachmentInfo {
	return AttachmentInfo{DocumentID: a.DocumentID, Name: a.Name, ContentType: a.ContentType, Size: len(a.Data)}
}

// Attachment events of /documents.
var (
	// DocumentAttach shares a file with one of the caller's documents'
	// followers.
	DocumentAttach = rtkit.NewEvent[Attachment, AttachmentInfo]("document:attach",
		rtkit.Summary("Share a file (a binary attachment) with the followers of one of your documents"),
		rtkit.MaxBinarySize(MaxAttachmentBytes),
		rtkit.Errors(rtkit.CodeNotFound))
	// DocumentAttachment delivers a shared file.
	DocumentAttachment = rtkit.NewEvent[Attachment, rtkit.NoAck]("document:attachment",
		rtkit.Summary("A file shared with a document you own or follow (a binary attachment)"),
		rtkit.MaxBinarySize(MaxAttachmentBytes))
)

// handleAttachments registers document:attach on ns and declares
// document:attachment.
func handleAttachments(ns *rtkit.Namespace, docs store.Documents, share func(owner uuid.UUID, a Attachment) error) {
	rtkit.Handle(ns, DocumentAttach, func(ctx context.Context, _ *rtkit.Socket, in Attachment) (AttachmentInfo, error) {
		d, err := ownDocument(ctx, docs, in.DocumentID)
		if err != nil {
			return AttachmentInfo{}, err
		}
		if err := share(d.OwnerID, in); err != nil {
			return AttachmentInfo{}, err
		}
		return InfoOf(in), nil
	})
	rtkit.Emits(ns, DocumentAttachment)
}

// DocumentAttachment shares a file with the owner's sockets and the
// document's followers.
func (s *Server) DocumentAttachment(ownerID uuid.UUID, a Attachment) error {
	return rtkit.Emit(s.docs.To(UserRoom(ownerID), DocumentRoom(a.DocumentID)), DocumentAttachment, a)
}
