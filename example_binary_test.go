package rtkit_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// exAvatar is a user's picture: the image travels as a Socket.IO binary
// attachment, the rest as JSON.
type exAvatar struct {
	Type  string       `json:"type" jsonschema:"enum=image/png"`
	Image rtkit.Binary `json:"image"`
}

// exAvatarSaved answers an upload.
type exAvatarSaved struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// exSetAvatar takes pictures of at most 16 KiB.
var exSetAvatar = rtkit.NewEvent[exAvatar, exAvatarSaved]("avatar:set", rtkit.MaxBinarySize(16<<10))

func ExampleBinary() {
	ns := rtkit.NewNamespace("/profile")
	rtkit.Handle(ns, exSetAvatar, func(_ context.Context, _ *rtkit.Socket, in exAvatar) (exAvatarSaved, error) {
		img, err := png.Decode(bytes.NewReader(in.Image))
		if err != nil {
			return exAvatarSaved{}, rtkit.NewError(rtkit.CodeValidation, "not a PNG image")
		}
		return exAvatarSaved{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	c := exMust(ts.Connect("/profile"))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var pic bytes.Buffer
	_ = png.Encode(&pic, image.NewGray(image.Rect(0, 0, 3, 2)))
	saved, err := rtkittest.Call(ctx, c, exSetAvatar, exAvatar{Type: "image/png", Image: pic.Bytes()})
	fmt.Println(saved, err)

	// Beyond MaxBinarySize: refused before the handler runs.
	_, err = rtkittest.Call(ctx, c, exSetAvatar, exAvatar{Type: "image/png", Image: make(rtkit.Binary, 17<<10)})
	fmt.Println(err.Code, err.Details)
	// Output:
	// {3 2} <nil>
	// VALIDATION_ERROR [{/image binary data larger than 16384 bytes in total}]
}
