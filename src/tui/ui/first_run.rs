//! The first-run screen: no credential is configured yet.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::bitbucket::scopes::{API_TOKEN_URL, minimal_api_token_scopes};
use crate::tui::state::State;

/// Draws the first-run screen.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut lines = vec![
        Line::from(Span::styled(
            "bbkeys needs a Bitbucket API token.",
            theme.label,
        )),
        Line::raw(""),
        Line::from(vec![
            Span::raw("1. Create one at "),
            Span::styled(API_TOKEN_URL, theme.key),
        ]),
        Line::raw("   (\"Create API token with scopes\", app Bitbucket) with these scopes:"),
    ];
    for scope in minimal_api_token_scopes() {
        lines.push(Line::from(vec![
            Span::raw("     • "),
            Span::styled(scope, theme.key),
        ]));
    }
    lines.extend([
        Line::raw("2. Give it to bbkeys with your Atlassian account email (not your username):"),
        Line::from(vec![
            Span::raw("     "),
            Span::styled("bbkeys auth login", theme.key),
            Span::raw("   or the environment variables"),
        ]),
        Line::from(vec![
            Span::raw("     "),
            Span::styled("BBKEYS_EMAIL", theme.key),
            Span::raw(" and "),
            Span::styled("BBKEYS_API_TOKEN", theme.key),
        ]),
        Line::from(vec![Span::raw(
            "   config.example.toml shows every setting; docs/credentials.md: scopes.",
        )]),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Press "),
            Span::styled("d", theme.key),
            Span::raw(" to open the demo (a simulated Bitbucket on this machine), "),
            Span::styled(
                state
                    .keymap
                    .first_key(crate::tui::action::Action::Quit)
                    .unwrap_or_else(|| "q".into()),
                theme.key,
            ),
            Span::raw(" to quit."),
        ]),
    ]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(" bbkeys: welcome ")
        .padding(ratatui::widgets::Padding::horizontal(1));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
