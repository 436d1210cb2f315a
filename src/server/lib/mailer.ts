/**
 * Keel's outgoing mail: through SMTP (nodemailer) when SMTP_URL is set. Without it the message is
 * written to the log instead, so an operator who has not set up mail can still hand a customer the
 * link it carries.
 */
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the message (or it was logged); rejects when it refused. */
  send(message: MailMessage): Promise<void>;
}

export function createMailer(options: { smtpUrl: string | undefined; from: string; log: Logger }): Mailer {
  const { smtpUrl, from, log } = options;
  if (!smtpUrl)
    return {
      send(message) {
        log.warn(
          { event: 'mail_logged', to: message.to, subject: message.subject, text: message.text },
          'SMTP_URL is not set, so this mail was not sent; its text is here for the operator',
        );
        return Promise.resolve();
      },
    };
  // The URL carries host, port, credentials and TLS (`smtps://`, or STARTTLS when the server offers it).
  const transport = nodemailer.createTransport(smtpUrl, { from });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      log.info(
        { event: 'mail_sent', to: message.to, subject: message.subject, messageId: info.messageId },
        'mail sent',
      );
    },
  };
}
