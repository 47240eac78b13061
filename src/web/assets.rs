//! Static files, embedded in the binary and served from paths that carry a hash of their
//! content, so browsers may cache them forever (`immutable`) and a new build is fetched anew.

use std::sync::LazyLock;

use warp::Filter;
use warp::reply::{Reply, Response};

const HTMX: &[u8] = include_bytes!("../../static/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../../static/app.css");
const JS: &[u8] = include_bytes!("../../static/app.js");

fn fingerprint(bytes: &[u8]) -> String {
    // FNV-1a: enough to tell builds apart, not a security measure.
    let hash =
        bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3));
    format!("{:08x}", hash as u32)
}

static CSS_PATH: LazyLock<String> = LazyLock::new(|| format!("/static/app-{}.css", fingerprint(CSS)));
static JS_PATH: LazyLock<String> = LazyLock::new(|| format!("/static/app-{}.js", fingerprint(JS)));

pub fn htmx_path() -> &'static str {
    "/static/htmx-2.0.11.min.js"
}

pub fn css_path() -> &'static str {
    &CSS_PATH
}

pub fn js_path() -> &'static str {
    &JS_PATH
}

fn asset(bytes: &'static [u8], content_type: &'static str) -> Response {
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert("content-type", content_type.parse().unwrap());
    headers.insert("cache-control", "public, max-age=31536000, immutable".parse().unwrap());
    response
}

pub fn routes() -> warp::filters::BoxedFilter<(Response,)> {
    warp::get()
        .and(warp::path("static"))
        .and(warp::path::param::<String>())
        .and(warp::path::end())
        .and_then(|name: String| async move {
            let response = if name == htmx_path()["/static/".len()..] {
                asset(HTMX, "text/javascript; charset=utf-8")
            } else if name == css_path()["/static/".len()..] {
                asset(CSS, "text/css; charset=utf-8")
            } else if name == js_path()["/static/".len()..] {
                asset(JS, "text/javascript; charset=utf-8")
            } else {
                return Err(warp::reject::not_found());
            };
            Ok::<_, warp::Rejection>(response.into_response())
        })
        .boxed()
}
