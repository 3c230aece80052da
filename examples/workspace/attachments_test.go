package main

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// postAttachment shares body through the REST API.
func postAttachment(t *testing.T, ta *testApp, token, docID, query, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest("POST", ta.URL+"/api/documents/"+docID+"/attachments"+query, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	return do(t, req)
}

// TestDocumentAttachments: a file shared with a document — over the
// socket (document:attach) or the REST API — reaches the owner's sockets
// and the document's followers as document:attachment, its bytes a
// Socket.IO binary attachment; another user's document, a path in the
// name, a bad media type and a file over 256 KiB are refused, and a
// stranger hears nothing.
func TestDocumentAttachments(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")
	owner := ta.sio().Dial(t, "/documents", withToken(ann.Token))
	follower := ta.sio().Dial(t, "/documents", withToken(ann.Token))
	stranger := ta.sio().Dial(t, "/documents", withToken(bob.Token))
	ownerBox, folBox := rtkittest.Listen(owner, realtime.DocumentAttachment), rtkittest.Listen(follower, realtime.DocumentAttachment)
	strBox := rtkittest.Listen(stranger, realtime.DocumentAttachment)

	res := call(t, "POST", ta.URL+"/api/documents", ann.Token, map[string]any{"title": "Plan", "content": "x"})
	require.Equal(t, http.StatusCreated, res.Status)
	var doc struct {
		ID uuid.UUID `json:"id"`
	}
	res.Decode(t, &doc)
	_, err := rtkittest.Call(waitCtx(t), follower, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: doc.ID})
	require.Nil(t, err)

	// Over the socket.
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 255}, 1000)...)
	shared := realtime.Attachment{DocumentID: doc.ID, Name: "diagram.png", ContentType: "image/png", Data: png}
	info, err := rtkittest.Call(waitCtx(t), owner, realtime.DocumentAttach, shared)
	require.Nil(t, err)
	assert.Equal(t, realtime.AttachmentInfo{DocumentID: doc.ID, Name: "diagram.png", ContentType: "image/png", Size: len(png)}, info)
	for name, box := range map[string]*rtkittest.Inbox[realtime.Attachment]{"owner": ownerBox, "follower": folBox} {
		got, gerr := box.Next(waitCtx(t))
		require.NoError(t, gerr, name)
		assert.Equal(t, shared, got, name)
	}

	// Over the REST API, any media type.
	pdf := []byte("%PDF-1.7 binary \x00\x01\x02")
	res = postAttachment(t, ta, ann.Token, doc.ID.String(), "?name=report.pdf", "application/pdf", pdf)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.JSONEq(t, `{"documentId":"`+doc.ID.String()+`","name":"report.pdf","contentType":"application/pdf","size":`+strconv.Itoa(len(pdf))+`}`, string(res.Body))
	got, gerr := folBox.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, realtime.Attachment{DocumentID: doc.ID, Name: "report.pdf", ContentType: "application/pdf", Data: pdf}, got)
	_, gerr = ownerBox.Next(waitCtx(t))
	require.NoError(t, gerr)

	// Refusals, socket.
	big := shared
	big.Data = make(rtkit.Binary, realtime.MaxAttachmentBytes+1)
	_, err = rtkittest.Call(waitCtx(t), owner, realtime.DocumentAttach, big)
	require.NotNil(t, err)
	assert.Equal(t, []rtkit.ErrorDetail{{Path: "/data", Message: "binary data larger than 262144 bytes in total"}}, err.Details)
	_, err = rtkittest.Call(waitCtx(t), stranger, realtime.DocumentAttach, shared)
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeNotFound, err.Code, "another user's document is unknown")
	pathName := shared
	pathName.Name = "../../etc/passwd"
	_, err = rtkittest.Call(waitCtx(t), owner, realtime.DocumentAttach, pathName)
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeValidation, err.Code)
	assert.Equal(t, "/name", err.Details[0].Path)
	env, err := rtkittest.CallRaw(waitCtx(t), owner, realtime.DocumentAttach.Name(),
		map[string]any{"documentId": doc.ID, "name": "a.txt", "contentType": "text/plain", "data": "aGVsbG8="})
	require.Nil(t, err)
	require.NotNil(t, env.Error)
	assert.Equal(t, "/data", env.Error.Details[0].Path, "base64 text where the file's bytes are due")

	// Refusals, REST.
	res = postAttachment(t, ta, ann.Token, doc.ID.String(), "?name=big.bin", "application/octet-stream", make([]byte, realtime.MaxAttachmentBytes+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	res = postAttachment(t, ta, ann.Token, doc.ID.String(), "?name=a%2Fb.txt", "nonsense", []byte("x"))
	require.Equal(t, http.StatusBadRequest, res.Status)
	assert.JSONEq(t, `{"error":{"code":"VALIDATION_ERROR","message":"invalid attachment","details":[
		{"path":"Content-Type (header)","message":"'nonsense' does not match pattern '^[a-z]+/[a-zA-Z0-9.+-]+$'"},
		{"path":"name (query)","message":"'a/b.txt' does not match pattern '^[^/\\\\\\\\]+$'"}]}}`, string(res.Body))
	res = postAttachment(t, ta, bob.Token, doc.ID.String(), "?name=a.txt", "text/plain", []byte("x"))
	assert.Equal(t, http.StatusNotFound, res.Status)
	res = postAttachment(t, ta, "", doc.ID.String(), "?name=a.txt", "text/plain", []byte("x"))
	assert.Equal(t, http.StatusUnauthorized, res.Status)

	assert.Zero(t, strBox.Len(), "the stranger heard nothing")
	assert.Zero(t, ownerBox.Len()+folBox.Len(), "refused files reached nobody")
}
