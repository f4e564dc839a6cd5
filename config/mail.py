"""Development mail: each message goes to the console and to a file under var/mail/."""

from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(FileBackend):
    def send_messages(self, email_messages):
        ConsoleBackend(alias=self.alias).send_messages(email_messages)
        return super().send_messages(email_messages)
