//! A small element tree built from quick-xml events (attributes are not kept: gluster puts
//! what we need in child elements).

use quick_xml::events::Event;
use quick_xml::Reader;

use super::XmlError;

/// Deepest nesting accepted (gluster answers are about 6 deep).
const MAX_DEPTH: usize = 32;
/// Most elements accepted in one answer.
const MAX_ELEMENTS: usize = 1_000_000;

/// One element: its name, its own text (all text children joined) and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the child `name`.
    pub(crate) fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The child `name` parsed as a number.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, XmlError> {
        let text = self
            .text_of(name)
            .ok_or_else(|| XmlError::Malformed(format!("<{}> has no <{name}>", self.name)))?;
        text.parse()
            .map_err(|_| XmlError::Malformed(format!("<{name}> is not a number: {text:?}")))
    }

    /// The child at `path` (names separated by `/`).
    pub(crate) fn at(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |e, name| e.child(name))
    }
}

fn malformed(e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed(e.to_string())
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Parse a whole document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(xml);
    // The stack holds the open elements; index 0 is a document node holding the root.
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut count = 0usize;
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(start) => {
                count += 1;
                if stack.len() > MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(XmlError::Malformed("document too deep or too large".into()));
                }
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::Malformed("document too large".into()));
                }
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let parent = stack.last_mut().ok_or_else(|| malformed("no parent"))?;
                parent.children.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(malformed("unbalanced end tag"));
                }
                let done = stack.pop().ok_or_else(|| malformed("unbalanced end tag"))?;
                let parent = stack.last_mut().ok_or_else(|| malformed("no parent"))?;
                parent.children.push(done);
            }
            Event::Text(text) => {
                let text = text.decode().map_err(malformed)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                let text = data.decode().map_err(malformed)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c,
                    None => {
                        let name = r.decode().map_err(malformed)?;
                        entity(&name)
                            .ok_or_else(|| malformed(format!("unknown entity &{name};")))?
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err(malformed("unclosed element at end of input"));
    }
    let mut document = stack.pop().unwrap_or_default();
    match document.children.len() {
        1 => Ok(document.children.remove(0)),
        0 => Err(malformed("no root element")),
        _ => Err(malformed("more than one root element")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_tree_with_entities() {
        let root = parse("<?xml version=\"1.0\"?><a><b>x &amp; y&#33;</b><c/></a>").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.text_of("b"), Some("x & y!"));
        assert!(root.child("c").is_some());
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "not xml",
            "<a>",
            "</a>",
            "<a></b>",
            "<a/><b/>",
            "<a>&bogus;</a>",
            "<a>&#xFFFFFFFF;</a>",
            "<<<>>>",
            "\u{0}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(10_000);
        assert!(parse(&deep).is_err());
    }
}
