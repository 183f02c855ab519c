"""Run by a venv's Python where only the wheel is installed: sync and asyncio publish/request
against the server at argv[1]; argv[2] is the expected version."""

import asyncio
import sys
import threading
from importlib.resources import files

import natskit
import natskit.types  # typing_extensions below Python 3.11
from natskit import aio

url, version = sys.argv[1], sys.argv[2]
assert natskit.__version__ == version, natskit.__version__
package = files("natskit")
assert package.joinpath("py.typed").is_file() and package.joinpath("_native.pyi").is_file()

with natskit.connect(url) as nc:
    sub = nc.subscribe("dist.sync")

    def serve() -> None:
        msg = sub.next(timeout=5.0)
        assert msg is not None
        msg.respond(b"pong " + msg.data)

    responder = threading.Thread(target=serve)
    responder.start()
    assert nc.request("dist.sync", b"ping", timeout=5.0).data == b"pong ping"
    responder.join()
    nc.publish("dist.sync", {"n": 1})
    received = sub.next(timeout=5.0)
    assert received is not None and received.json() == {"n": 1}


async def main() -> None:
    async with await aio.connect(url) as nc:
        async def echo(msg: aio.Message) -> None:
            await msg.respond(msg.data)

        await nc.subscribe("dist.aio", callback=echo)
        reply = await nc.request("dist.aio", b"hi", timeout=5.0)
        assert reply.data == b"hi"


asyncio.run(main())
print(f"natskit {natskit.__version__} on Python {sys.version_info[0]}.{sys.version_info[1]}: ok")
