//! Grid × category → department. The full responsibility list (areas at every level, effective
//! dates, facilities) belongs to the routing issue; this is the rule table it will replace.

use gridflow_domain::ports::RoutingRule;

/// The winning rule for a case in `grid` of `category`. Precedence: a rule naming both grid and
/// category beats one naming only the grid, which beats one naming only the category, which
/// beats a catch-all; then higher priority; then the lower rule id, so ties are deterministic.
pub fn route<'a>(rules: &'a [RoutingRule], grid: &str, category: &str) -> Option<&'a RoutingRule> {
    rules
        .iter()
        .filter(|r| r.grid.as_deref().is_none_or(|g| g == grid))
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
        .max_by_key(|r| {
            let specificity = u8::from(r.grid.is_some()) * 2 + u8::from(r.category.is_some());
            (specificity, r.priority, std::cmp::Reverse(r.id))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, grid: Option<&str>, category: Option<&str>, dept: &str, priority: i32) -> RoutingRule {
        RoutingRule {
            id,
            grid: grid.map(Into::into),
            category: category.map(Into::into),
            department: dept.into(),
            priority,
        }
    }

    #[test]
    fn most_specific_then_priority_then_id() {
        let rules = vec![
            rule(1, None, None, "street", 0),
            rule(2, None, Some("0102"), "sanitation", 0),
            rule(3, Some("G1"), None, "g1-street", 0),
            rule(4, Some("G1"), Some("0102"), "g1-sanitation", 0),
            rule(5, None, Some("0301"), "a", 1),
            rule(6, None, Some("0301"), "b", 5),
            rule(7, None, Some("0302"), "first", 0),
            rule(8, None, Some("0302"), "second", 0),
        ];
        let at = |g, c| route(&rules, g, c).map(|r| r.department.as_str());
        assert_eq!(at("G1", "0102"), Some("g1-sanitation"));
        assert_eq!(at("G1", "9999"), Some("g1-street"));
        assert_eq!(at("G2", "0102"), Some("sanitation"));
        assert_eq!(at("G2", "9999"), Some("street"));
        assert_eq!(at("G2", "0301"), Some("b"));
        assert_eq!(at("G2", "0302"), Some("first"));
        assert_eq!(route(&rules[1..2], "G2", "9999"), None);
    }
}
