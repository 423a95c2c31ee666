"""Plain helpers every test package shares, one module per concept. Import them the same way everywhere:
`from tests.support.graphql import CREATE, single_session_info`.

- `tokens`       bearer tokens for the test secret (`Tokens`: `.admin`, `.staff`, `.service`, `.make(...)`)
- `graphql`      every GraphQL operation the tests send, and the input builders (`wall_time`,
                 `single_session_info`, `weekly_series_info`)
- `api`          `Api`: the real ASGI app through httpx (`post`, `data`, `error`, `create_single`, ...)
- `domain`       domain values built directly (`calendar_time`, `session_time`, `make_session`)
- `live_server`  a real `bookings-sessions serve` process, and running the Node clients against it
- `websocket`    a graphql-transport-ws client (`open_connection`, `receive`, `subscribe_and_wait_until_live`)
- `browser`      headless Chromium for the browser tests (`chromium_path`, `BROWSER_ACCEPT`)
- `receiver`     a real webhook receiver on loopback
- `dispatching`  the notification dispatcher's test bench (`Db`, `config`, `running`, `eventually`)
- `paths`        where the repository, its docs and the test artifacts are
- `commands`     every command a driver client sends (`CommandLog`), and a store watched that way
- `docs`         the documentation's fenced blocks (`API_DOC`, `FENCED`), for the tests that run them

Fixtures are not here: they are in `tests/conftest.py` (`ferretdb`, `store`, `tokens`, `settings_for`,
`api`, `live_server`, ...), or in a package's `conftest.py` when only that package uses them. No test
imports a conftest or another test module.
"""
