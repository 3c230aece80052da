package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

func service(t *testing.T) *identity.Service {
	db, err := store.SQLite(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Stores().Close() })
	st := db.Stores()
	return &identity.Service{Users: st.Users, Sessions: st.Sessions, TTL: time.Hour, Cost: bcrypt.MinCost}
}

// SeedAdmin creates the admin account, keeps it on a second start, and
// never promotes an ordinary account that holds the address.
func TestSeedAdmin(t *testing.T) {
	ctx := context.Background()
	s := service(t)
	require.NoError(t, s.SeedAdmin(ctx, "root@example.com", "admin password"))
	require.NoError(t, s.SeedAdmin(ctx, "root@example.com", "admin password"), "a second start")
	si, err := s.SignIn(ctx, "root@example.com", "admin password")
	require.NoError(t, err)
	assert.Equal(t, identity.RoleAdmin, si.User.Role)

	s = service(t)
	up, err := s.SignUp(ctx, "root@example.com", "claimed first", "Mallory")
	require.NoError(t, err)
	assert.Equal(t, identity.RoleUser, up.User.Role, "a sign-up is never an admin")
	assert.ErrorIs(t, s.SeedAdmin(ctx, "root@example.com", "admin password"), identity.ErrAdminClaimed)
	u, err := s.Users.ByEmail(ctx, "root@example.com")
	require.NoError(t, err)
	assert.Equal(t, identity.RoleUser, u.Role, "the claimed account stays ordinary")
}
