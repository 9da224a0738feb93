//! Just enough XML reading for `gluster --xml` answers: contents of non-nested elements.

/// The contents of every `<tag ...>...</tag>` element, in order.
pub fn all(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let boundary = after.chars().next();
        if !matches!(boundary, Some(' ' | '>' | '/')) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push(String::new());
            rest = &after[gt + 1..];
            continue;
        }
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(body[..end].to_string());
        rest = &body[end + close.len()..];
    }
    out
}

/// The contents of the first `<tag>` element.
pub fn first(xml: &str, tag: &str) -> Option<String> {
    all(xml, tag).into_iter().next()
}

#[test]
fn reads_bricks_and_skips_the_bricks_list() {
    let x = "<bricks><brick uuid=\"u\">h:/p<name>h:/p</name><isArbiter>1</isArbiter></brick>\
             <brick uuid=\"v\">h:/q<name>h:/q</name><isArbiter>0</isArbiter></brick></bricks><opErrstr/>";
    let b = all(x, "brick");
    assert_eq!(b.len(), 2);
    assert_eq!(first(&b[0], "name").as_deref(), Some("h:/p"));
    assert_eq!(first(&b[1], "isArbiter").as_deref(), Some("0"));
    assert_eq!(first(x, "opErrstr").as_deref(), Some(""));
}
