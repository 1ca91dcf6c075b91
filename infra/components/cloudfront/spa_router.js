// CloudFront Function (viewer request) of the SPA behaviour: a path whose last segment has no
// file extension is a client route of the SPA, answered with /index.html (status 200).
// Files (/assets/index-3f2a.js, /favicon.ico) pass through unchanged. /api/* never gets here.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
