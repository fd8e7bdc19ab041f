/* wenming's service worker: the pages a volunteer or resident needs where there is no signal.

   - Static files (hashed names, never changed in place): from the cache once fetched.
   - Pages: always from the network when there is one. A few pages of one's own are kept as
     last seen (the e-card, home with today's activities, one's orders and hours, and the
     activities one opened), so they still open offline, marked as such by app.js.
   - Anything else offline: the offline page (precached).
   Only GET requests are touched; forms and the API always go to the network (check-ins made
   offline are queued by app.js, not here). The page cache belongs to the person logged in:
   app.js empties it when another person (or nobody) is logged in on this phone. */
"use strict";

var VERSION = "wenming-v1";
var PAGES = VERSION + "-pages";
var STATIC = VERSION + "-static";
var OFFLINE_URL = "/offline/";
var KEEP = [/^\/$/, /^\/my\/ecard\/$/, /^\/my\/hours\/$/, /^\/orders\/mine\/$/,
            /^\/orders\/tasks\/$/, /^\/activities\/\d+\/$/, /^\/offline\/$/];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(PAGES).then(function (cache) {
    return cache.add(new Request(OFFLINE_URL, {credentials: "same-origin"}));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf(VERSION) !== 0;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  return KEEP.some(function (re) { return re.test(url.pathname); }) && !url.search;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode !== "navigate") return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected && kept(url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) {
        return hit || cache.match(OFFLINE_URL);
      });
    });
  }));
});

self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") {
    event.waitUntil(caches.delete(PAGES).then(function () {
      return caches.open(PAGES).then(function (cache) { return cache.add(OFFLINE_URL); });
    }));
  }
});
