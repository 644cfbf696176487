//! AMQP topic-exchange routing-key matching, shared by the in-process bus.

/// True when `routing_key` matches the binding `pattern`, with RabbitMQ topic semantics: words
/// are separated by `.`, `*` matches exactly one word and `#` matches zero or more words.
pub(crate) fn matches(pattern: &str, routing_key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = routing_key.split('.').collect();
    match_words(&pattern, &key)
}

fn match_words(pattern: &[&str], key: &[&str]) -> bool {
    match pattern.split_first() {
        None => key.is_empty(),
        Some((&"#", rest)) => {
            // Consecutive `#`s are equivalent to one; collapsing them keeps the search linear
            // in the common case instead of exploring every split again.
            if rest.first() == Some(&"#") {
                return match_words(rest, key);
            }
            (0..=key.len()).any(|skip| match_words(rest, &key[skip..]))
        }
        Some((&"*", rest)) => !key.is_empty() && match_words(rest, &key[1..]),
        Some((word, rest)) => key.first() == Some(word) && match_words(rest, &key[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn literal_words_must_match_exactly() {
        assert!(matches("case.reported", "case.reported"));
        assert!(!matches("case.reported", "case.closed"));
        assert!(!matches("case.reported", "case.reported.late"));
        assert!(!matches("case", "case.reported"));
    }

    #[test]
    fn star_is_exactly_one_word() {
        assert!(matches("case.*", "case.reported"));
        assert!(!matches("case.*", "case"));
        assert!(!matches("case.*", "case.reported.late"));
        assert!(matches("*.reported", "case.reported"));
        assert!(!matches("*.reported", "case.closed"));
    }

    #[test]
    fn hash_is_zero_or_more_words() {
        assert!(matches("#", "case.reported"));
        assert!(matches("#", "case"));
        assert!(matches("case.#", "case"));
        assert!(matches("case.#", "case.reported.late"));
        assert!(!matches("case.#", "unit.moved"));
        assert!(matches("#.late", "case.reported.late"));
        assert!(matches("#.late", "late"));
        assert!(matches("case.#.late", "case.late"));
        assert!(matches("case.#.late", "case.a.b.late"));
        assert!(!matches("case.#.late", "case.a.b"));
        assert!(matches("#.#", "a.b.c"));
        assert!(matches("*.#", "a"));
    }
}
