package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
)

// TestAdminUIOffByDefault: no credentials, no Admin UI.
func TestAdminUIOffByDefault(t *testing.T) {
	c, err := config.Load(env(map[string]string{"ADMIN_UI_PATH": "/ops"}))
	require.NoError(t, err)
	assert.False(t, c.AdminUI.Enabled, "a path alone does not turn it on")
}

// TestAdminUIPassword: a password is hashed at start (never kept in
// clear); a hash is taken as it is.
func TestAdminUIPassword(t *testing.T) {
	const password = "a long admin password"
	c, err := config.Load(env(map[string]string{"ADMIN_UI_PASSWORD": password, "ADMIN_UI_MODE": "production",
		"ADMIN_UI_READONLY": "true", "ADMIN_UI_USERNAME": "ops", "ADMIN_UI_PATH": "/ops/"}))
	require.NoError(t, err)
	a := c.AdminUI
	assert.True(t, a.Enabled)
	assert.NotContains(t, a.PasswordHash, password)
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)))
	assert.Equal(t, config.AdminUI{Enabled: true, Username: "ops", PasswordHash: a.PasswordHash, Path: "/ops",
		ReadOnly: true, Production: true}, a)

	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	c, err = config.Load(env(map[string]string{"ADMIN_UI_PASSWORD_HASH": string(hash)}))
	require.NoError(t, err)
	assert.Equal(t, string(hash), c.AdminUI.PasswordHash)
}

// TestAdminUIInvalid: each bad setting is named, and no password or hash
// appears in the message.
func TestAdminUIInvalid(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"ADMIN_UI_PASSWORD_HASH": {"ADMIN_UI_PASSWORD_HASH": "plain-secret-value"},
		"ADMIN_UI_PASSWORD":      {"ADMIN_UI_PASSWORD": "short"},
		"set one, not both":      {"ADMIN_UI_PASSWORD": "plain-secret-value", "ADMIN_UI_PASSWORD_HASH": "$2a$10$x"},
		"ADMIN_UI_MODE":          {"ADMIN_UI_MODE": "debug"},
		"ADMIN_UI_READONLY":      {"ADMIN_UI_READONLY": "maybe"},
		"ADMIN_UI_PATH":          {"ADMIN_UI_PATH": "/api/admin"},
		"needs Socket.IO":        {"ADMIN_UI_PASSWORD": "a long admin password", "SOCKET_IO_ENABLED": "false"},
	} {
		_, err := config.Load(env(vars))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
		assert.NotContains(t, err.Error(), "plain-secret-value", name)
		assert.NotContains(t, err.Error(), "short\"", name)
	}
}
