"""Testing a script offline against the emulator (the README's second example)."""

from ambra_sdk.emulator import Emulator


def offline() -> None:
    with Emulator() as emulator:
        api = emulator.api()
        print(api.Session.user().get().email)
