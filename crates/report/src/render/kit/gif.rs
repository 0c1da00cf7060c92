//! Animated GIFs: each frame drawn into an RGB buffer with plotters, then
//! quantised and written by the `gif` crate at its fastest NeuQuant setting.
//! (plotters' own GIF backend quantises at speed 10, which made the two GIFs
//! most of a default report's drawing time; the pictures are a few flat
//! colours and their blends, which the fast setting keeps.)

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use plotters::prelude::*;

use super::{Area, DResult};

/// NeuQuant's sampling factor (1 = best, 30 = fastest).
const QUANTISE_SPEED: i32 = 30;

/// A GIF being written frame by frame (loops forever).
pub struct GifWriter {
    encoder: gif::Encoder<BufWriter<File>>,
    buffer: Vec<u8>,
    size: (u32, u32),
    /// Frame delay in hundredths of a second.
    delay: u16,
}

impl GifWriter {
    /// Starts `path` (`size` in pixels, `delay_ms` per frame).
    pub fn create(path: &Path, size: (u32, u32), delay_ms: u32) -> DResult<Self> {
        let file = BufWriter::new(File::create(path)?);
        let mut encoder = gif::Encoder::new(file, size.0 as u16, size.1 as u16, &[])?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        Ok(Self {
            encoder,
            buffer: vec![255; (size.0 * size.1 * 3) as usize],
            size,
            delay: ((delay_ms + 5) / 10) as u16,
        })
    }

    /// Draws one frame on a white background with `draw` and appends it.
    pub fn frame(&mut self, draw: impl FnOnce(&Area) -> DResult) -> DResult {
        self.buffer.fill(255);
        {
            let root = BitMapBackend::with_buffer(&mut self.buffer, self.size).into_drawing_area();
            draw(&root)?;
            root.present()?;
        }
        let mut frame = gif::Frame::from_rgb_speed(
            self.size.0 as u16,
            self.size.1 as u16,
            &self.buffer,
            QUANTISE_SPEED,
        );
        frame.delay = self.delay;
        self.encoder.write_frame(&frame)?;
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(self) -> DResult {
        let mut file = self.encoder.into_inner()?;
        std::io::Write::flush(&mut file)?;
        Ok(())
    }
}
