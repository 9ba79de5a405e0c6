//! Files sent in `multipart/form-data` bodies.

use std::fmt;

/// A file to upload, such as a profile image or an organization logo.
#[derive(Clone, PartialEq)]
pub struct FilePart {
    pub(crate) file_name: String,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: bytes::Bytes,
}

impl FilePart {
    /// A file with this name and content.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<bytes::Bytes>) -> FilePart {
        FilePart { file_name: file_name.into(), content_type: None, bytes: bytes.into() }
    }

    /// Sets the MIME type (`image/png`); without one the server guesses from the content.
    #[must_use]
    pub fn content_type(mut self, mime: impl Into<String>) -> FilePart {
        self.content_type = Some(mime.into());
        self
    }

    /// The file's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}
