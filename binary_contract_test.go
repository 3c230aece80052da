package rtkit_test

import (
	"context"

	"github.com/rtkit-go/rtkit"
)

// The "/files" contract of the binary tests: Binary values in payloads and
// acknowledgements, both directions.
type (
	FileUpload struct {
		Name  string         `json:"name" jsonschema:"minLength=1,maxLength=64"`
		Data  rtkit.Binary   `json:"data"`
		Thumb *rtkit.Binary  `json:"thumb"`
		Parts []rtkit.Binary `json:"parts,omitempty"`
	}
	FileStored struct {
		Name string       `json:"name"`
		Size int          `json:"size"`
		Echo rtkit.Binary `json:"echo"`
	}
	FileAsk struct {
		Name string `json:"name"`
	}
	FileBody struct {
		Data rtkit.Binary `json:"data"`
	}
	FileAnswer struct {
		Text string `json:"text"`
	}
)

// binaryLimit is the MaxBinarySize of file:upload.
const binaryLimit = 64

var (
	fileUpload = rtkit.NewEvent[FileUpload, FileStored]("file:upload", rtkit.MaxBinarySize(binaryLimit))
	// fileShare asks the server to broadcast the file to the namespace.
	fileShare  = rtkit.NewEvent[FileUpload, rtkit.NoAck]("file:share")
	fileShared = rtkit.NewEvent[FileUpload, rtkit.NoAck]("file:shared")
	// fileAsk makes the server ask the client for a file (EmitWithAck).
	fileAsk     = rtkit.NewEvent[FileAsk, FileAnswer]("file:ask")
	fileRequest = rtkit.NewEvent[FileAsk, FileBody]("file:request")
)

// filesNamespace serves the binary contract: uploads are answered with
// their bytes reversed, shares are broadcast to every socket, and file:ask
// asks the asking client for a file and answers with its text.
func filesNamespace(opts ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/files", opts...)
	rtkit.Handle(ns, fileUpload, func(_ context.Context, _ *rtkit.Socket, in FileUpload) (FileStored, error) {
		echo := make(rtkit.Binary, len(in.Data))
		for i, b := range in.Data {
			echo[len(in.Data)-1-i] = b
		}
		return FileStored{Name: in.Name, Size: len(in.Data), Echo: echo}, nil
	})
	rtkit.Handle(ns, fileShare, func(_ context.Context, _ *rtkit.Socket, in FileUpload) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, rtkit.Emit(ns, fileShared, in)
	})
	rtkit.Handle(ns, fileAsk, func(ctx context.Context, s *rtkit.Socket, in FileAsk) (FileAnswer, error) {
		body, err := rtkit.EmitWithAck(ctx, s, fileRequest, in)
		if err != nil {
			return FileAnswer{}, err
		}
		return FileAnswer{Text: string(body.Data)}, nil
	})
	rtkit.Emits(ns, fileShared)
	rtkit.Emits(ns, fileRequest)
	return ns
}
