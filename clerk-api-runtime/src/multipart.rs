//! `multipart/form-data` bodies (file uploads).

use crate::FilePart;

/// Form parts collected by generated code, turned into a reqwest form when sent.
#[derive(Debug, Default, Clone)]
pub struct Multipart {
    parts: Vec<(&'static str, Part)>,
}

/// One part: text, or a file (whose `Debug` shows its name and size, not its bytes).
#[derive(Debug, Clone)]
pub enum Part {
    Text(String),
    File(FilePart),
}

/// A value that can be one part of a form.
pub trait FormValue {
    fn into_part(self) -> Part;
}

impl FormValue for FilePart {
    fn into_part(self) -> Part {
        Part::File(self)
    }
}

impl FormValue for String {
    fn into_part(self) -> Part {
        Part::Text(self)
    }
}

macro_rules! display_form_value {
    ($($ty:ty),*) => {$(
        impl FormValue for $ty {
            fn into_part(self) -> Part {
                Part::Text(self.to_string())
            }
        }
    )*};
}
display_form_value!(bool, i32, i64, f64);

impl Multipart {
    pub fn part(&mut self, name: &'static str, value: impl FormValue) {
        self.parts.push((name, value.into_part()));
    }

    pub fn into_form(self) -> reqwest::multipart::Form {
        self.parts.into_iter().fold(reqwest::multipart::Form::new(), |form, (name, part)| match part {
            Part::Text(text) => form.text(name, text),
            Part::File(file) => {
                let FilePart { file_name, content_type, bytes } = file;
                let part = |bytes: bytes::Bytes| {
                    reqwest::multipart::Part::stream(reqwest::Body::from(bytes)).file_name(file_name.clone())
                };
                // An unparseable content type is left out rather than failing the upload.
                let part = match content_type.as_deref() {
                    Some(mime) => part(bytes.clone()).mime_str(mime).unwrap_or_else(|_| part(bytes)),
                    None => part(bytes),
                };
                form.part(name, part)
            }
        })
    }
}
