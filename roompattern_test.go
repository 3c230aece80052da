package rtkit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoomPatterns(t *testing.T) {
	cases := []struct {
		pattern, room string
		ok            bool
		params        RoomParams
	}{
		{"broadcast", "broadcast", true, RoomParams{}},
		{"broadcast", "broadcast:x", false, nil},
		{"user:{userId}", "user:42", true, RoomParams{"userId": "42"}},
		{"user:{userId}", "user:", false, nil},
		{"user:{userId}", "user:42:inbox", false, nil},
		{"user:{userId}:*", "user:42:inbox", true, RoomParams{"userId": "42"}},
		{"user:{userId}:*", "user:42:a:b", true, RoomParams{"userId": "42"}},
		{"user:{userId}:*", "user:42", false, nil},
		{"user:{userId}:*", "user:42:", false, nil},
		{"document:{documentId}", "doc:1", false, nil},
		{"org:{org}:team:{team}", "org:a:team:b", true, RoomParams{"org": "a", "team": "b"}},
	}
	for _, tc := range cases {
		p, err := parseRoomPattern(tc.pattern)
		require.NoError(t, err, tc.pattern)
		params, ok := p.match(tc.room)
		assert.Equal(t, tc.ok, ok, "%s ~ %s", tc.pattern, tc.room)
		if tc.ok {
			assert.Equal(t, tc.params, params)
		}
	}
	for _, bad := range []string{"", "a::b", "*:a", "{}", "{a}:{a}", "a{b}", "a:{b"} {
		_, err := parseRoomPattern(bad)
		assert.Error(t, err, "pattern %q", bad)
	}
}

func FuzzRoomPattern(f *testing.F) {
	for _, s := range []string{"user:{userId}:*", "document:{documentId}", "broadcast", "a::b", "{x}"} {
		f.Add(s, "user:1:x")
	}
	f.Fuzz(func(t *testing.T, pattern, room string) {
		p, err := parseRoomPattern(pattern)
		if err != nil {
			return
		}
		params, ok := p.match(room)
		if !ok {
			return
		}
		for _, name := range p.params {
			v := params[name]
			if v == "" || strings.Contains(v, ":") {
				t.Fatalf("pattern %q room %q: parameter %s = %q", pattern, room, name, v)
			}
		}
	})
}
