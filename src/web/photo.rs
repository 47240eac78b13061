//! Photos from the technicians' phones: recognising the picture from its first bytes, decoding
//! it upright, and scaling it to the stored size and a thumbnail, both JPEG.
//!
//! It lives in the web layer, not as a leaf module, because it is the upload's last step: it
//! takes a permit from [`AppState`] (one photo is decoded at a time) and answers with the
//! store's [`NewPhoto`] or the message the note form shows. [`scale`] itself is pure.

use crate::i18n::Msg;
use crate::store::orders::NewPhoto;

use super::AppState;
use super::error::{AppError, AppResult};

/// Photos are stored at most this many pixels on their longest side.
const PHOTO_SIDE: u32 = 1600;
/// Thumbnails, at most this many pixels on their longest side.
const THUMB_SIDE: u32 = 320;

/// The kind of picture, from its first bytes (never from the file name).
fn picture_format(bytes: &[u8]) -> Option<image::ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(image::ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(image::ImageFormat::Png)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(image::ImageFormat::WebP)
    } else {
        None
    }
}

/// Checks and scales a photo off the async threads, one at a time: a decoded camera picture
/// takes about 80 MB while it is scaled, so ten phones uploading at once wait their turn
/// instead of each holding one.
pub async fn scale_photo(state: &AppState, bytes: Vec<u8>) -> AppResult<Result<NewPhoto, Msg>> {
    let _permit = state.photo_permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || scale(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("photo task failed: {e}")))
}

/// Decodes (turned upright as the camera says), scales to at most 1600 px and 320 px, and
/// stores both as JPEG.
pub fn scale(bytes: &[u8]) -> Result<NewPhoto, Msg> {
    use image::ImageDecoder;
    let format = picture_format(bytes).ok_or(Msg::PhotoNotImage)?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Msg::PhotoUnreadable)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(|_| Msg::PhotoUnreadable)?;
    picture.apply_orientation(orientation);
    let fit = |img: image::DynamicImage, side: u32| {
        if img.width().max(img.height()) > side { img.thumbnail(side, side) } else { img }
    };
    let jpeg = |img: image::DynamicImage, quality: u8| -> Result<Vec<u8>, Msg> {
        let mut out = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        img.into_rgb8().write_with_encoder(encoder).map_err(|_| Msg::PhotoUnreadable)?;
        Ok(out)
    };
    // `thumbnail` scales down with integer sampling: no floating-point copy of a 12-megapixel
    // picture in memory. The small one is made from the stored one.
    let stored = fit(picture, PHOTO_SIDE);
    let thumb = fit(stored.clone(), THUMB_SIDE);
    Ok(NewPhoto { picture: jpeg(stored, 82)?, thumb: jpeg(thumb, 75)? })
}
