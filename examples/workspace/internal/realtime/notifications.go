package realtime

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// Room names shared by both namespaces.
const (
	userRoomPrefix     = "user:"
	documentRoomPrefix = "document:"
	// BroadcastRoom is the /notifications channel of notifications for
	// everyone.
	BroadcastRoom = "broadcast"
)

// UserRoom is the room of a user's sockets, in both namespaces.
func UserRoom(id uuid.UUID) string { return userRoomPrefix + id.String() }

// DocumentRoom is the /documents room of a document's followers.
func DocumentRoom(id uuid.UUID) string { return documentRoomPrefix + id.String() }

// userOf returns the authenticated user of a socket's context.
func userOf(ctx context.Context) string {
	p, _ := auth.PrincipalFrom(ctx)
	return p.UserID
}

// ownUser lets a socket into rooms whose {userId} is its own user.
func ownUser(ctx context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
	if u := userOf(ctx); u == "" || p["userId"] != u {
		return rtkit.NewError(rtkit.CodeForbidden, "channel not allowed")
	}
	return nil
}

// joinOwnRoom makes every socket join user:{userId} on connect.
func joinOwnRoom(ctx context.Context, _ *rtkit.Socket) []string {
	if u := userOf(ctx); u != "" {
		return []string{userRoomPrefix + u}
	}
	return nil
}

// channelAllowed reports whether user may subscribe to channel; the room
// policies of /notifications say the same.
func channelAllowed(user, channel string) bool {
	own := userRoomPrefix + user
	return user != "" && (channel == BroadcastRoom || channel == own ||
		(strings.HasPrefix(channel, own+":") && len(channel) > len(own)+1))
}

// notificationsNamespace builds /notifications.
func notificationsNamespace(notes store.Notifications, extra ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/notifications", append(slices.Clone(extra),
		rtkit.NamespaceDescription("Notifications for the signed-in user, and broadcasts"),
		rtkit.WithRoom("user:{userId}", ownUser,
			rtkit.RoomDescription("Your notifications; every socket joins its own on connect")),
		rtkit.WithRoom("user:{userId}:*", ownUser,
			rtkit.RoomDescription("Sub-channels of your own channel")),
		rtkit.WithRoom(BroadcastRoom, rtkit.Anyone,
			rtkit.RoomDescription("Notifications for everyone")),
		rtkit.AutoJoin(joinOwnRoom))...)

	rtkit.Handle(ns, SubscribeChannel, func(ctx context.Context, s *rtkit.Socket, in ChannelIn) (ChannelOut, error) {
		if err := s.Join(ctx, in.Channel); err != nil {
			return ChannelOut{}, err
		}
		return ChannelOut{Channel: in.Channel}, nil
	})
	rtkit.Handle(ns, UnsubscribeChannel, func(ctx context.Context, s *rtkit.Socket, in ChannelIn) (ChannelOut, error) {
		// Only channels a client may subscribe to may be left: the
		// server's own rooms (revocation, the socket's id) stay.
		if !channelAllowed(userOf(ctx), in.Channel) {
			return ChannelOut{}, rtkit.NewError(rtkit.CodeForbidden, "channel not allowed")
		}
		s.Leave(in.Channel)
		return ChannelOut{Channel: in.Channel}, nil
	})
	rtkit.Handle(ns, MarkRead, func(ctx context.Context, _ *rtkit.Socket, in MarkReadIn) (Notification, error) {
		user, err := uuid.Parse(userOf(ctx))
		if err != nil {
			return Notification{}, rtkit.NewError(rtkit.CodeUnauthorized, "not signed in")
		}
		n, err := notes.MarkRead(ctx, in.NotificationID, user)
		if errors.Is(err, store.ErrNotFound) {
			return Notification{}, rtkit.NewError(rtkit.CodeNotFound, "notification not found")
		}
		if err != nil {
			return Notification{}, err
		}
		out := NotificationOf(n)
		// The user's other sockets (other tabs) learn it too.
		if err := rtkit.Emit(ns.To(UserRoom(user)), NotificationUpdated, out); err != nil {
			return Notification{}, err
		}
		return out, nil
	})
	rtkit.Emits(ns, NotificationNew)
	rtkit.Emits(ns, NotificationUpdated)
	rtkit.Emits(ns, rtkit.ResyncEvent) // after a reconnection that could not recover
	return ns
}
