package realtime

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// errDocNotFound is what a client learns about a document that is missing
// or not its own: the same, so that ids cannot be probed.
func errDocNotFound() *rtkit.Error { return rtkit.NewError(rtkit.CodeNotFound, "document not found") }

// ownDocument returns the document if the socket's user owns it.
func ownDocument(ctx context.Context, docs store.Documents, id uuid.UUID) (store.Document, error) {
	d, err := docs.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.OwnerID.String() != userOf(ctx)) {
		return store.Document{}, errDocNotFound()
	}
	return d, err
}

// documentsNamespace builds /documents.
func documentsNamespace(docs store.Documents, share func(owner uuid.UUID, a Attachment) error, extra ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/documents", append(slices.Clone(extra),
		rtkit.NamespaceDescription("Changes of the signed-in user's documents"),
		rtkit.WithRoom("user:{userId}", ownUser,
			rtkit.RoomDescription("Changes of all your documents; every socket joins its own on connect")),
		rtkit.WithRoom("document:{documentId}", func(ctx context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			id, err := uuid.Parse(p["documentId"])
			if err != nil {
				return errDocNotFound()
			}
			_, err = ownDocument(ctx, docs, id)
			return err
		}, rtkit.RoomDescription("Followers of one document (document:subscribe); only its owner")),
		rtkit.AutoJoin(joinOwnRoom))...)

	rtkit.Handle(ns, DocumentSubscribe, func(ctx context.Context, s *rtkit.Socket, in DocumentRef) (DocumentSummary, error) {
		d, err := ownDocument(ctx, docs, in.DocumentID)
		if err != nil {
			return DocumentSummary{}, err
		}
		if err := s.Join(ctx, DocumentRoom(d.ID)); err != nil {
			return DocumentSummary{}, err
		}
		return SummaryOf(d), nil
	})
	rtkit.Handle(ns, DocumentUnsubscribe, func(_ context.Context, s *rtkit.Socket, in DocumentRef) (DocumentRef, error) {
		s.Leave(DocumentRoom(in.DocumentID))
		return in, nil
	})
	rtkit.Emits(ns, DocumentUpdated)
	rtkit.Emits(ns, DocumentDeletedEvent)
	handleAttachments(ns, docs, share)
	rtkit.Emits(ns, rtkit.ResyncEvent) // after a reconnection that could not recover
	return ns
}
