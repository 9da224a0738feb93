//! POSIX shell quoting for transports whose remote side runs a shell (ssh).

/// Quote one argument for a POSIX shell: the shell passes it on as exactly one word.
///
/// Words made only of safe characters stay as they are; anything else is put in single
/// quotes, a single quote inside becoming `'\''`.
pub fn quote(arg: &str) -> String {
    quote_word(arg, true)
}

/// Quote `arg`; `NAME=value` is quoted only as a `first` word, where a shell would read it as
/// an assignment.
fn quote_word(arg: &str, first: bool) -> String {
    let assignment = first && looks_like_assignment(arg);
    let safe = !arg.is_empty()
        && !assignment
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:,+@%=".contains(&b));
    if safe {
        return arg.to_string();
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `NAME=...` as a first word would set a variable instead of naming a command.
fn looks_like_assignment(arg: &str) -> bool {
    match arg.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.as_bytes()[0].is_ascii_digit()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        None => false,
    }
}

/// Quote every argument and join them with spaces: a command line a POSIX shell splits back
/// into exactly `argv`.
pub fn quote_command(argv: &[String]) -> String {
    argv.iter()
        .enumerate()
        .map(|(i, a)| quote_word(a, i == 0))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_words_stay_bare() {
        assert_eq!(quote("/dev/sdb"), "/dev/sdb");
        assert_eq!(quote("vg_0a/tp_1b"), "vg_0a/tp_1b");
        assert_eq!(quote("--mode=script"), "--mode=script");
        assert_eq!(quote("A=b"), "'A=b'");
        assert_eq!(
            quote_command(&["A=b".to_string(), "size=512".to_string()]),
            "'A=b' size=512"
        );
    }

    #[test]
    fn hostile_words_are_single_quoted() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("`id`;x\n"), "'`id`;x\n'");
    }

    #[test]
    fn a_shell_splits_the_quoted_line_back_into_the_argv() {
        let argv: Vec<String> = [
            "plain",
            "two words",
            "$(touch /tmp/gluster-exec-pwned)",
            "`id`",
            "a'b\"c",
            "semi;colon|pipe&amp",
            "new\nline",
            "",
            "*",
            "~",
            "-n",
            "X=1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let script = format!("printf '%s\\0' {}", quote_command(&argv));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh runs");
        assert!(out.status.success());
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(|s| s.to_string())
            .collect();
        assert_eq!(got, argv);
    }
}
