"""The campaign's mailbox as a drop zone: turning mail into files intake can take."""
