"""The extras' shape (pyproject.toml): which TensorFlow each brings, and that the README names every one."""

from __future__ import annotations

import re
import sys

import pytest
from packaging.requirements import Requirement

from tests.helpers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

EXTRAS: dict[str, list[str]] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "optional-dependencies"
]
MACHINES = ("x86_64", "AMD64", "arm64", "aarch64")


def requirements(extra: str, machine: str = "x86_64", platform: str = "linux") -> dict[str, Requirement]:
    """The requirements of ``extra`` that apply on that machine, by name (our own extras left as they are)."""
    env = {"platform_machine": machine, "sys_platform": platform, "extra": ""}
    reqs = [Requirement(r) for r in EXTRAS[extra]]
    return {r.name: r for r in reqs if r.marker is None or r.marker.evaluate(env)}


def tensorflow(extra: str, machine: str = "x86_64", platform: str = "linux") -> list[str]:
    return sorted(name for name in requirements(extra, machine, platform) if name.startswith("tensorflow"))


@pytest.mark.parametrize("machine", MACHINES)
def test_runtime_is_the_full_tensorflow_everywhere(machine: str):
    assert tensorflow("runtime", machine) == ["tensorflow"]
    assert not requirements("runtime", machine)["tensorflow"].extras


def test_runtime_cpu_is_the_cpu_wheel_where_it_exists():
    for machine in ("x86_64", "AMD64"):
        assert tensorflow("runtime-cpu", machine) == ["tensorflow-cpu"]
    for machine in ("arm64", "aarch64"):  # tensorflow-cpu has no wheels there: the full wheel stands in
        assert tensorflow("runtime-cpu", machine) == ["tensorflow"]


def test_runtime_and_runtime_cpu_differ_only_in_tensorflow():
    def rest(extra: str) -> dict[str, str]:
        return {n: str(r.specifier) for n, r in requirements(extra).items() if not n.startswith("tensorflow")}

    assert rest("runtime") == rest("runtime-cpu")
    assert {"keras", "keras-tuner", "numpy"} <= set(rest("runtime"))
    assert requirements("runtime")["tensorflow"].specifier == requirements("runtime-cpu")["tensorflow-cpu"].specifier


def test_gpu_is_runtime_with_cuda_on_linux():
    gpu = [Requirement(r) for r in EXTRAS["gpu"]]
    assert any(r.name == "kerasnanlint" and r.extras == {"runtime"} for r in gpu)
    cuda = requirements("gpu")["tensorflow"]
    assert cuda.extras == {"and-cuda"}
    assert "tensorflow" not in requirements("gpu", "arm64", "darwin")  # no CUDA wheels on macOS


def test_dev_and_the_backends_use_the_cpu_tensorflow():
    for extra in ("dev", "jax", "torch"):
        own = {e for r in map(Requirement, EXTRAS[extra]) if r.name == "kerasnanlint" for e in r.extras}
        assert "runtime-cpu" in own and not own & {"runtime", "gpu"}, extra


def test_readme_names_every_extra_and_which_to_pick():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = re.search(r"^Extras: .*?(?=\n\n)", readme, flags=re.S | re.M)
    assert paragraph is not None, "README lost its paragraph starting with 'Extras: '"
    named = set(re.findall(r"`(?:kerasnanlint)?\[?([a-z-]+)\]?`", paragraph.group()))
    assert set(EXTRAS) <= named, f"README's extras paragraph does not name {sorted(set(EXTRAS) - named)}"
    which = re.search(r"^Which TensorFlow: .*?(?=\n\n)", readme, flags=re.S | re.M)
    assert which is not None, "README lost its paragraph starting with 'Which TensorFlow: '"
    for extra in ("runtime-cpu", "gpu", "runtime"):
        assert f"`{extra}`" in which.group()
