// The /documents namespace with the official client: subscribe rules and
// live updates and deletions after REST calls.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";

import { ack, api, assertAckError, BASE, closeAll, collect, connected, next, QUIET_MS, signUp, sleep } from "./lib.mjs";

after(closeAll);

async function createDocument(token, title = "Draft") {
  const res = await api("POST", "/api/documents", { title, content: "text" }, { token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

describe("document:subscribe", () => {
  it("acknowledges the owner's document; NOT_FOUND for others' and missing ones; VALIDATION_ERROR", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const doc = await createDocument(owner.token);

    const mine = await connected("/documents", owner.token);
    const res = await ack(mine, "document:subscribe", { documentId: doc.id });
    assert.deepEqual(res, { success: true, data: { id: doc.id, title: doc.title, updatedAt: doc.updatedAt } });

    const theirs = await connected("/documents", stranger.token);
    assertAckError(await ack(theirs, "document:subscribe", { documentId: doc.id }), "NOT_FOUND");
    assertAckError(await ack(theirs, "document:subscribe", { documentId: randomUUID() }), "NOT_FOUND");
    for (const payload of [{ documentId: "nope" }, {}, { documentId: 7 }]) {
      assertAckError(await ack(theirs, "document:subscribe", payload), "VALIDATION_ERROR");
    }
    assert.deepEqual(await ack(mine, "document:unsubscribe", { documentId: doc.id }),
      { success: true, data: { documentId: doc.id } });
  });
});

describe("live document events", () => {
  it("PATCH emits document:updated to user:{ownerId} and document:{id}, once per socket, to nobody else", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const doc = await createDocument(owner.token);

    // inUserRoom is only in user:{ownerId}; subscribed is in both rooms and
    // must get each event once.
    const inUserRoom = await connected("/documents", owner.token);
    const subscribed = await connected("/documents", owner.token);
    assert.equal((await ack(subscribed, "document:subscribe", { documentId: doc.id })).success, true);
    const strangerSocket = await connected("/documents", stranger.token);
    const seen = { user: collect(inUserRoom, "document:updated"), both: collect(subscribed, "document:updated") };
    const strangerSaw = collect(strangerSocket, "document:updated");

    const arrivals = [next(inUserRoom, "document:updated"), next(subscribed, "document:updated")];
    const res = await api("PATCH", `/api/documents/${doc.id}`, { title: "Final" }, { token: owner.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const want = { id: doc.id, title: "Final", updatedAt: res.body.updatedAt };
    for (const [payload] of await Promise.all(arrivals)) assert.deepEqual(payload, want);
    await sleep(QUIET_MS);
    assert.equal(seen.user.length, 1);
    assert.equal(seen.both.length, 1, "a socket in both rooms gets the event once");
    assert.deepEqual(strangerSaw, []);
  });

  it("DELETE emits document:deleted to both rooms", async () => {
    const owner = await signUp();
    const doc = await createDocument(owner.token);
    const inUserRoom = await connected("/documents", owner.token);
    const subscribed = await connected("/documents", owner.token);
    assert.equal((await ack(subscribed, "document:subscribe", { documentId: doc.id })).success, true);

    const arrivals = [next(inUserRoom, "document:deleted"), next(subscribed, "document:deleted")];
    const res = await api("DELETE", `/api/documents/${doc.id}`, undefined, { token: owner.token });
    assert.equal(res.status, 204);
    for (const [payload] of await Promise.all(arrivals)) assert.deepEqual(payload, { id: doc.id });
    assertAckError(await ack(subscribed, "document:subscribe", { documentId: doc.id }), "NOT_FOUND");
  });
});

describe("document attachments (binary)", () => {
  it("document:attach shares a Buffer; followers receive a Buffer; REST shares raw bytes; bad input refused", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const doc = await createDocument(owner.token);
    const sender = await connected("/documents", owner.token);
    const follower = await connected("/documents", owner.token);
    assert.equal((await ack(follower, "document:subscribe", { documentId: doc.id })).success, true);
    const strangerSocket = await connected("/documents", stranger.token);
    const strangerSaw = collect(strangerSocket, "document:attachment");

    const file = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const arrival = next(follower, "document:attachment");
    const res = await ack(sender, "document:attach", { documentId: doc.id, name: "logo.png", contentType: "image/png", data: file });
    assert.deepEqual(res, { success: true, data: { documentId: doc.id, name: "logo.png", contentType: "image/png", size: 8 } });
    const [got] = await arrival;
    assert.ok(Buffer.isBuffer(got.data), "Node's client delivers a Buffer");
    assert.deepEqual({ ...got, data: [...got.data] },
      { documentId: doc.id, name: "logo.png", contentType: "image/png", data: [...file] });

    // Through the REST API: the request body, any media type.
    const viaRest = next(follower, "document:attachment");
    const body = new Uint8Array([1, 2, 3]);
    const r = await fetch(`${BASE}/api/documents/${doc.id}/attachments?name=notes.bin`, {
      method: "POST", body, headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/octet-stream" },
    });
    assert.equal(r.status, 200);
    const [restFile] = await viaRest;
    assert.deepEqual([...restFile.data], [1, 2, 3]);

    // Base64 text where the bytes are due; a file over 256 KiB.
    const text = await ack(sender, "document:attach", { documentId: doc.id, name: "a.txt", contentType: "text/plain", data: "aGVsbG8=" });
    assertAckError(text, "VALIDATION_ERROR");
    assert.equal(text.error.details[0].path, "/data");
    const big = await ack(sender, "document:attach", { documentId: doc.id, name: "big", contentType: "application/octet-stream", data: Buffer.alloc(256 * 1024 + 1) });
    assertAckError(big, "VALIDATION_ERROR");
    assertAckError(await ack(strangerSocket, "document:attach", { documentId: doc.id, name: "x", contentType: "text/plain", data: Buffer.from("x") }), "NOT_FOUND");
    await sleep(QUIET_MS);
    assert.equal(strangerSaw.length, 0);
  });
});
