// The workspace demo page: REST for accounts, documents and notifications,
// Socket.IO (/notifications and /documents) for what changes live. The
// session cookie set by sign-up and sign-in authenticates both; the page
// never stores the token.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const live = typeof io !== "undefined";
  let sockets = [];

  function setStatus(text) {
    $("status").textContent = text;
  }

  // api calls the REST API and returns the decoded body, or throws an Error
  // carrying the server's error message and code.
  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return null;
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
      err.status = res.status;
      err.code = data && data.error && data.error.code;
      throw err;
    }
    return data;
  }

  function formatTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleString();
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) node.append(child);
    return node;
  }

  function toggleEmpty(listId, emptyId) {
    $(emptyId).hidden = $(listId).children.length > 0;
  }

  // Notifications.

  function notificationItem(n) {
    const li = el("li", { className: "notification" });
    li.dataset.id = n.id;
    const body = el("span", { className: "body" },
      el("span", { className: `badge badge-${n.type}` }, n.type),
      " ",
      el("strong", { className: "title" }, n.title),
      " ",
      el("span", { className: "message" }, n.message),
      " ",
      el("time", { dateTime: n.createdAt }, formatTime(n.createdAt)),
    );
    const button = el("button", { type: "button", className: "mark-read" }, "Mark read");
    button.addEventListener("click", () => markRead(n.id, button));
    li.append(body, button);
    setRead(li, n.read);
    return li;
  }

  function setRead(li, read) {
    li.classList.toggle("read", read);
    const button = li.querySelector(".mark-read");
    button.disabled = read || !live;
    button.textContent = read ? "Read" : "Mark read";
    const title = li.querySelector(".title").textContent;
    button.setAttribute("aria-label", read ? `“${title}” is read` : `Mark “${title}” as read`);
  }

  function showNotification(n) {
    const list = $("notification-list");
    const old = list.querySelector(`li[data-id="${CSS.escape(n.id)}"]`);
    if (old) {
      setRead(old, n.read);
    } else {
      list.prepend(notificationItem(n));
    }
    toggleEmpty("notification-list", "notifications-empty");
  }

  // ask emits event with payload on socket and returns the acknowledged
  // data, or throws an Error with the server's message.
  async function ask(socket, event, payload) {
    const res = await socket.timeout(5000).emitWithAck(event, payload);
    if (!res.success) throw new Error(res.error.message);
    return res.data;
  }

  async function markRead(id, button) {
    button.disabled = true;
    try {
      showNotification(await ask(sockets.notifications, "mark:read", { notificationId: id }));
    } catch (err) {
      button.disabled = false;
      setStatus(`Could not mark the notification as read: ${err.message}`);
    }
  }

  // Documents.

  function documentItem(d) {
    const li = el("li", { className: "document" });
    li.dataset.id = d.id;
    const label = `rename-${d.id}`;
    const form = el("form", { className: "rename" },
      el("label", { htmlFor: label, className: "visually-hidden" }, `New title for “${d.title}”`),
      el("input", { id: label, name: "title", type: "text", maxLength: 200, required: true, value: d.title }),
      el("button", { type: "submit" }, "Rename"),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("PATCH", `/api/documents/${d.id}`, { title: form.elements.title.value });
      } catch (err) {
        setStatus(`Could not rename the document: ${err.message}`);
      }
    });
    const remove = el("button", { type: "button", className: "delete" }, "Delete");
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/api/documents/${d.id}`);
        removeDocument(d.id);
      } catch (err) {
        setStatus(`Could not delete the document: ${err.message}`);
      }
    });
    form.append(remove);
    li.append(
      el("strong", { className: "title" }, d.title),
      " ",
      el("span", { className: "updated" }, "updated ", el("time", { dateTime: d.updatedAt }, formatTime(d.updatedAt))),
      form,
    );
    return li;
  }

  function findDocument(id) {
    return $("document-list").querySelector(`li[data-id="${CSS.escape(id)}"]`);
  }

  function showDocument(d) {
    const li = findDocument(d.id);
    if (li) {
      li.querySelector(".title").textContent = d.title;
      const input = li.querySelector("input[name=title]");
      if (document.activeElement !== input) input.value = d.title;
      const time = li.querySelector("time");
      time.dateTime = d.updatedAt;
      time.textContent = formatTime(d.updatedAt);
      li.classList.remove("flash");
      void li.offsetWidth; // restart the highlight animation
      li.classList.add("flash");
    } else {
      $("document-list").prepend(documentItem(d));
    }
    toggleEmpty("document-list", "documents-empty");
  }

  function removeDocument(id) {
    const li = findDocument(id);
    if (li) li.remove();
    toggleEmpty("document-list", "documents-empty");
  }

  async function subscribeDocument(id) {
    if (!sockets.documents || !sockets.documents.connected) return;
    try {
      await ask(sockets.documents, "document:subscribe", { documentId: id });
    } catch (err) {
      setStatus(`Could not follow a document: ${err.message}`);
    }
  }

  // Live connections.

  function connectionLabel(name, text) {
    $(`conn-${name}`).textContent = `/${name} ${text}`;
  }

  function connect() {
    if (!live) return;
    const opts = { withCredentials: true };
    const notifications = io("/notifications", opts);
    const documents = io("/documents", opts);
    sockets = Object.assign([notifications, documents], { notifications, documents });

    for (const [name, socket] of [["notifications", notifications], ["documents", documents]]) {
      socket.on("connect", () => connectionLabel(name, socket.recovered ? "online (recovered)" : "online"));
      socket.on("connect_error", (err) => connectionLabel(name, `refused: ${err.message}`));
      socket.on("disconnect", (reason) => {
        connectionLabel(name, "offline");
        // The server ends the session's sockets when it signs out (here or
        // in another tab); the client does not reconnect after that.
        if (reason === "io server disconnect") checkSession();
      });
      socket.on("error", (err) => setStatus(`Server error on /${name}: ${err.message}`));
    }
    notifications.on("connect", async () => {
      if (notifications.recovered) return; // rooms came back with the session
      // Announcements an admin sends to everyone go to the broadcast channel.
      try {
        await ask(notifications, "subscribe:channel", { channel: "broadcast" });
      } catch (err) {
        setStatus(`Could not follow announcements: ${err.message}`);
      }
    });
    notifications.on("notification:new", (n) => showNotification(n));
    notifications.on("notification:updated", (n) => showNotification(n));
    documents.on("connect", () => {
      if (documents.recovered) return; // rooms came back with the session
      for (const li of $("document-list").children) subscribeDocument(li.dataset.id);
    });
    documents.on("document:updated", (d) => showDocument(d));
    documents.on("document:deleted", (d) => removeDocument(d.id));
  }

  function disconnect() {
    for (const socket of sockets) socket.disconnect();
    sockets = [];
  }

  // Session.

  async function signedIn(user) {
    $("account-name").textContent = user.name;
    $("account-email").textContent = user.email;
    $("account-role").textContent = user.role;
    $("auth").hidden = true;
    for (const id of ["account", "notifications", "documents"]) $(id).hidden = false;
    setStatus(live ? `Signed in as ${user.email}.` : `Signed in as ${user.email}; live updates are off (see above).`);

    $("notification-list").replaceChildren();
    $("document-list").replaceChildren();
    const [notes, docs] = await Promise.all([api("GET", "/api/notifications"), api("GET", "/api/documents")]);
    // Both lists come newest first; showing prepends.
    for (const n of [...notes].reverse()) showNotification(n);
    for (const d of [...docs].reverse()) showDocument(d);
    toggleEmpty("notification-list", "notifications-empty");
    toggleEmpty("document-list", "documents-empty");
    connect();
  }

  function signedOut(message) {
    disconnect();
    $("auth").hidden = false;
    for (const id of ["account", "notifications", "documents"]) $(id).hidden = true;
    setStatus(live ? message : `${message} Live updates are off: the Socket.IO client is missing.`);
  }

  // checkSession shows the signed-in page when the cookie holds a session,
  // the sign-in form otherwise (outOf: the message for that case).
  async function checkSession(outOf = "Signed out.") {
    try {
      const s = await api("GET", "/api/auth/get-session");
      if (sockets.length === 0) await signedIn(s.user);
    } catch (err) {
      signedOut(err.status === 401 ? outOf : `Could not load the session: ${err.message}`);
    }
  }

  $("auth-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const action = e.submitter ? e.submitter.value : "sign-in";
    const body = { email: form.elements.email.value, password: form.elements.password.value };
    if (action === "sign-up") body.name = form.elements.name.value;
    $("auth-error").textContent = "";
    try {
      const res = await api("POST", `/api/auth/${action}`, body);
      form.reset();
      await signedIn(res.user);
    } catch (err) {
      $("auth-error").textContent = err.message;
    }
  });

  $("sign-out").addEventListener("click", async () => {
    try {
      await api("POST", "/api/auth/sign-out");
    } finally {
      signedOut("Signed out.");
    }
  });

  $("notify-me").addEventListener("click", async () => {
    try {
      await api("POST", "/api/notifications", {
        type: "info",
        title: "Hello from the demo page",
        message: `Sent at ${new Date().toLocaleTimeString()}`,
      });
    } catch (err) {
      setStatus(`Could not send a notification: ${err.message}`);
    }
  });

  $("document-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    $("document-error").textContent = "";
    try {
      const d = await api("POST", "/api/documents", {
        title: form.elements.title.value,
        content: form.elements.content.value,
      });
      form.reset();
      showDocument(d);
      await subscribeDocument(d.id);
    } catch (err) {
      $("document-error").textContent = err.message;
    }
  });

  $("missing-client").hidden = live;
  checkSession("Not signed in.");
})();
