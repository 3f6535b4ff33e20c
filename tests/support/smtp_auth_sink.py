"""An SMTP server that wants a login, for the e-mail tests (MailSink with a login).

aiosmtpd's command line has no authentication, so this starts its Controller with an
authenticator. AUTH is allowed without TLS: the sink listens on 127.0.0.1 only.
Arguments: PORT MAILDIR USER PASSWORD. Runs until killed.
"""
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, user, password = sys.argv[1:5]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    return AuthResult(success=ok)


controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port),
                        authenticator=authenticator, auth_required=True,
                        auth_require_tls=False)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
