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

fn too_large() -> ApiError {
    ApiError::new(Code::PayloadTooLarge, format!("the request body is larger than {} KiB", MAX_BODY / 1024))
}

impl FromRequest for Body {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Body, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared =
            req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > MAX_BODY) {
                return Err(too_large());
            }
            let mut buf = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::new(Code::MalformedJson, format!("could not read the request body: {e}")))?;
                if buf.len() + chunk.len() > MAX_BODY {
                    return Err(too_large());
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(Body(buf.freeze()))
        })
    }
}
