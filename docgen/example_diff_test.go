package docgen_test

import (
	"fmt"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// Two releases of a contract: the second requires a token on "join" and
// stops acknowledging "leave" with data. Both break clients of the first.
func ExampleDiff() {
	type JoinV1 struct {
		Room string `json:"room"`
	}
	type JoinV2 struct {
		Room  string `json:"room"`
		Token string `json:"token"`
	}
	type Left struct {
		Members int `json:"members"`
	}

	v1 := rtkit.NewNamespace("/rooms")
	handle(v1, rtkit.NewEvent[JoinV1, rtkit.NoAck]("join"))
	handle(v1, rtkit.NewEvent[JoinV1, Left]("leave"))

	v2 := rtkit.NewNamespace("/rooms")
	handle(v2, rtkit.NewEvent[JoinV2, rtkit.NoAck]("join"))
	handle(v2, rtkit.NewEvent[JoinV1, rtkit.NoAck]("leave"))

	for _, c := range docgen.Diff(specOf(v1), specOf(v2)) {
		fmt.Println(c)
	}
	// Output:
	// /rooms join (client-to-server): payload field token is now required
	// /rooms leave (client-to-server): acknowledgement data removed
}
