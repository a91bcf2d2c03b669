"""BaseMain: the parse-arguments, log-in, work, log-out skeleton of an ArchFX script.

    class MyScript(BaseMain):
        def after_login(self):
            print(self.api.org.get())

    MyScript().main()      # my_script.py -u me@example.com [--server dev] [--customer acme]

Login order: a token from the ``.ini`` section ``[c-<customer>]`` (``token = <drf token>``,
or ``jwt_access``/``jwt_refresh``), checked with ``auth/user-info/``; otherwise the password
of ``--user``, read with ``getpass`` on a terminal or from standard input with
``--password-stdin`` (for automation: ``echo "$PW" | my_script.py -u me --password-stdin``).
A run without a terminal, token or ``--password-stdin`` stops with a message instead of
waiting for a password nobody can type.
"""
from __future__ import annotations

import argparse
import configparser
import getpass
import logging
import os
import sys
from typing import Dict, Optional, Sequence

from ..api.connection import DOMAIN_NAME, Api
from ..api.exceptions import HttpClientError

__all__ = ["BaseMain", "CONFIG"]

logger = logging.getLogger(__name__)

#: Upstream's module-level config: every BaseMain reads its own parser (``self.config``) and also
#: loads the file here, so scripts reading extra keys through ``CONFIG`` keep working.
CONFIG = configparser.ConfigParser()

_STDLIB_GETPASS = getpass.getpass
LOG_FORMAT = "[%(asctime)-15s] %(levelname)-6s %(message)s"
LOG_DATEFMT = "%d/%b/%Y %H:%M:%S"


def _terminal_available() -> bool:
    """Whether ``getpass`` can ask someone: stdin is a TTY or a controlling terminal exists."""
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    try:
        fd = os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    os.close(fd)
    return True


class BaseMain:
    """Subclass it and override the hooks: ``add_extra_args``, ``before_login``,
    ``after_login`` (the real work), ``logout``, ``after_logout``.

    ``SERVER_DOMAINS`` maps ``--server`` to a domain template (``{customer}`` is replaced);
    a server without a domain (``stage`` has none upstream) is a usage error, never a
    ``KeyError``. Subclasses may fill it in.
    """

    parser: Optional[argparse.ArgumentParser] = None
    args: Optional[argparse.Namespace] = None
    api: Optional[Api] = None
    domain: str = DOMAIN_NAME
    logging_level: int = logging.INFO
    SERVER_DOMAINS: Dict[str, Optional[str]] = {
        "prod": "https://{customer}.archfx.io",
        "stage": None,
        "dev": "http://localhost",
    }

    def __init__(self, config_path: str = ".ini", argv: Optional[Sequence[str]] = None) -> None:
        self.config = configparser.ConfigParser()
        self.config.read(config_path)
        CONFIG.read_dict(self.config)
        self.parser = argparse.ArgumentParser(description=type(self).__doc__ or __doc__)
        self.parser.add_argument("-u", "--user", dest="email", type=str, help="Email used for login")
        # no ``choices``: a subclass may handle more servers in its own get_domain (upstream allowed it)
        self.parser.add_argument("--server", dest="server_type", default="prod",
                                 help=f"Server to use: {', '.join(self.SERVER_DOMAINS)} (default: prod)")
        self.parser.add_argument("--customer", dest="customer", default="arch", type=str,
                                 help="Customer: selects https://<customer>.archfx.io and the .ini section "
                                      "[c-<customer>] (default: arch)")
        self.parser.add_argument("--password-stdin", dest="password_stdin", action="store_true",
                                 help="Read the password from the first line of standard input")
        self.add_extra_args()
        self.args = self.parser.parse_args() if argv is None else self.parser.parse_args(argv)
        self.config_logging()

    def config_logging(self) -> None:
        """Root logging as upstream; a no-op when the application configured logging already."""
        logging.basicConfig(level=self.logging_level, format=LOG_FORMAT, datefmt=LOG_DATEFMT)

    def get_domain(self) -> str:
        template = self.SERVER_DOMAINS.get(self.args.server_type)
        if not template:
            self.parser.error(f"--server {self.args.server_type}: no domain is configured for this server "
                              f"(known: {', '.join(k for k, v in self.SERVER_DOMAINS.items() if v)})")
        return template.format(customer=self.args.customer)

    def main(self) -> None:
        """get_domain, Api, before_login, login; if it worked: after_login, logout, after_logout."""
        self.domain = self.get_domain()
        self.api = Api(self.domain)
        self.before_login()
        ok = self.login()
        if ok:
            self.after_login()
            self.logout()
            self.after_logout()

    # ------------------------------------------------------------------ login
    def _token_from_config(self) -> bool:
        """Set the ``.ini`` token, if the customer's section has one; True when set."""
        section = f"c-{self.args.customer}"
        if not self.config.has_section(section):
            return False
        token = self.config.get(section, "token", fallback="").strip()
        access = self.config.get(section, "jwt_access", fallback="").strip()
        refresh = self.config.get(section, "jwt_refresh", fallback="").strip()
        if token:
            self.api.set_token(token, token_type="token")
        elif access:
            self.api.set_token({"access": access, "refresh": refresh or None}, token_type="jwt")
        else:
            return False
        return True

    def read_password(self) -> str:
        """The password: from stdin with ``--password-stdin``, else ``getpass`` on a terminal."""
        if getattr(self.args, "password_stdin", False):
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                logger.error("--password-stdin: no password on standard input")
                sys.exit(1)
            return password
        if getpass.getpass is _STDLIB_GETPASS and not _terminal_available():
            # no terminal: like getpass, take the first line of standard input (a pipe, a file);
            # nothing there (EOF, /dev/null) is an error, never a hang on a prompt nobody sees
            password = sys.stdin.readline().rstrip("\r\n") if sys.stdin is not None else ""
            if not password:
                logger.error("No password: this run has no terminal to ask for one and nothing came on "
                             "standard input. Pipe it in (or --password-stdin), or put a token in the [c-%s] "
                             "section of the .ini file", self.args.customer)
                sys.exit(1)
            return password
        return getpass.getpass()

    def login(self) -> bool:
        """Token from the ``.ini`` (verified with ``auth/user-info/``), else email and password."""
        if self._token_from_config():
            try:
                self.api.auth["user-info"].get()
                return True
            except HttpClientError as exc:
                logger.info("The .ini token was not accepted (%s); logging in with a password", exc.status_code)
        if not self.args.email:
            logger.error("User email is required: --user")
            sys.exit(1)
        password = self.read_password()
        return self.api.login(email=self.args.email, password=password)

    # ------------------------------------------------------------------ hooks
    def add_extra_args(self) -> None:
        """Add your own ``self.parser.add_argument(...)`` calls here."""

    def before_login(self) -> None:
        """Runs after the Api is built, before logging in."""

    def after_login(self) -> None:
        """The script's real work; ``self.api`` is logged in."""
        logger.info("No actual work done")

    def logout(self) -> None:
        self.api.logout()

    def after_logout(self) -> None:
        """Runs after a successful logout."""
