//! The request-body extractor used by every JSON endpoint: reads at most `MAX_BODY` bytes and
//! reports an oversized or broken body in the API's JSON error shape (actix's own limit error
//! would answer in plain text).

use crate::error::{ApiError, Code};
use actix_web::dev::Payload;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;

/// Largest accepted request body; submissions are small JSON documents (photos go elsewhere).
pub const MAX_BODY: usize = 256 * 1024;

pub struct Body(pub Bytes);

/// Largest accepted reference document (a city's grid layer as GeoJSON runs to megabytes).
pub const MAX_DOCUMENT: usize = 64 * 1024 * 1024;

/// A reference-data upload: same handling as [`Body`] with the larger limit.
pub struct Document(pub Bytes);

fn too_large(limit: usize) -> ApiError {
    ApiError::new(Code::PayloadTooLarge, format!("the request body is larger than {} KiB", limit / 1024))
}

fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> LocalBoxFuture<'static, Result<Bytes, ApiError>> {
    let declared =
        req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let mut buf = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::new(Code::MalformedJson, format!("could not read the request body: {e}")))?;
            if buf.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    })
}

impl FromRequest for Body {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Body, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_limited(req, payload, MAX_BODY);
        Box::pin(async move { read.await.map(Body) })
    }
}

impl FromRequest for Document {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Document, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_limited(req, payload, MAX_DOCUMENT);
        Box::pin(async move { read.await.map(Document) })
    }
}
