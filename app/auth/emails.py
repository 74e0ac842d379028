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
