"""Texts of the account emails: each returns (subject, text body)."""


def verification(user, link):
    return (
        "Verify your Tunisian Tapestry account",
        f"Hello {user.name or user.username},\n\n"
        f"Confirm your email address to activate your account:\n\n{link}\n\n"
        "The link is valid for 24 hours. If you did not sign up, ignore this email.\n",
    )


def account_blocked(user):
    return (
        "Your Tunisian Tapestry account is blocked",
        f"Hello {user.name or user.username},\n\n"
        "Your account was blocked after three failed login attempts in a row.\n"
        "If this was not you, someone may be guessing your password. "
        "Contact an administrator to unblock it.\n",
    )


def account_unblocked(user):
    return (
        "Your Tunisian Tapestry account is unblocked",
        f"Hello {user.name or user.username},\n\n"
        "An administrator unblocked your account: you can log in again.\n",
    )


def set_password(user, link):
    return (
        "Choose your Tunisian Tapestry password",
        f"Hello {user.name or user.username},\n\n"
        f"An administrator created your {user.role} account. Choose your password here:\n\n"
        f"{link}\n\nThe link works once and for 24 hours.\n",
    )


def account_blocked_for_admins(user, unblock_route):
    return (
        f"Account {user.id} blocked after failed logins",
        f"The account {user.id} ({user.email}, {user.role}) was blocked after three failed\n"
        "login attempts in a row. Its owner has been told.\n\n"
        "If the owner asks for it, unblock it with an admin token:\n\n"
        f"POST {unblock_route}\n\n"
        f"or from the server: flask unblock-user {user.email}\n",
    )


def password_reset(user, link):
    blocked_note = (
        "Your account is blocked: a new password does not unblock it, only an administrator "
        "can.\n\n"
        if user.is_blocked
        else ""
    )
    return (
        "Reset your Tunisian Tapestry password",
        f"Hello {user.name or user.username},\n\n"
        "Someone (we hope you) asked to reset the password of this account. Choose a new one\n"
        f"here (the link works once and for one hour):\n\n{link}\n\n"
        f"{blocked_note}"
        "Every session of the account ends when the password changes. If you did not ask for\n"
        "this, ignore this email: your password stays as it is.\n",
    )
