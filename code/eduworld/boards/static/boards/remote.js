// The teacher's remote page: sign in, then pick or pair a board and tell it what to show.
// The control itself (remote-control.js) is shared with the teacher's app; this page gives
// it a same-origin fetch and the ids of remote.html.
import { mountRemote, problem } from "/static/boards/remote-control.js";

const $ = (id) => document.getElementById(id);

function cookie(name) {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

async function api(method, url, body, key) {
  const headers = { Accept: "application/json" };
  // Read anew each time: Django changes the CSRF token when someone signs in.
  if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  try {
    const answer = await fetch(url, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: answer.status, data: await answer.json().catch(() => null) };
  } catch {
    return { status: 0, data: { detail: "The server cannot be reached. Check the network and try again." } };
  }
}

function showSignIn(message = "") {
  for (const id of ["signin", "pick", "control"]) $(id).hidden = id !== "signin";
  $("status").textContent = "Signed out.";
  $("signin-error").textContent = message;
  $("email").focus();
}

const remote = mountRemote({ api, find: $, signedOut: showSignIn });
window.eduworldRemote = remote.hook;

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  await api("GET", "/api/auth/login/");  // sets the csrftoken cookie the POST must echo
  const answer = await api("POST", "/api/auth/login/",
                           { email: $("email").value, password: $("password").value });
  if (answer.status !== 200) return void ($("signin-error").textContent = problem(answer));
  $("password").value = "";
  remote.showPick();
}

$("signin-form").addEventListener("submit", signIn);

if ((await api("GET", "/api/auth/me/")).status === 200) remote.showPick();
else showSignIn();
