"""The benchmark's plumbing: it reads what a notebook printed, and refuses a recipe of another dataset."""

import sys
from pathlib import Path

import nbformat
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from cnnlab.bench import cifar as bench
from cnnlab.bench.notebook import ACCURACY, find_notebook, printed_text
from cnnlab.training.runtime import cpu_capabilities

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from bench_eval_batch import main as bench_eval_batch  # noqa: E402  (tools/ is not a package)
from profile_step import shares  # noqa: E402


def test_reads_the_accuracy_a_notebook_printed():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(report)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Test accuracy of cat: 70.0%\n"),
                    nbformat.v4.new_output("stream", name="stdout",
                                           text="Test accuracy (overall): 87.12% (8712/10000)\n")]
    nb.cells.append(cell)
    assert [float(a) for a in ACCURACY.findall(printed_text(nb))] == [87.12]


def test_finds_notebooks_by_name_whatever_their_number():
    assert find_notebook("cifar10_classifier").name.endswith("_cifar10_classifier.ipynb")
    with pytest.raises(FileNotFoundError, match="no notebook"):
        find_notebook("no_such_lesson")


def test_refuses_a_recipe_of_another_dataset(capsys):
    with pytest.raises(SystemExit):
        bench.main(["mnist", "--recipe", "fast", "--epochs", "1"])
    assert "no mnist recipe 'fast'" in capsys.readouterr().err
    assert set(cpu_capabilities()) <= {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}


def test_an_avx2_cap_reports_avx2_only_and_turns_bfloat16_off(monkeypatch):
    """ONEDNN_MAX_CPU_ISA=AVX2 (with ATEN_CPU_CAPABILITY=avx2) makes a newer CPU compute like an
    AVX2-only one; the figures it prints must then not claim AVX-512 or bfloat16."""
    from cnnlab.training.runtime import bf16_autocast_is_fast, cpu_capabilities

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert set(cpu_capabilities()) <= {"avx2"}
    assert not bf16_autocast_is_fast(torch.device("cpu"))


@pytest.mark.integration
def test_a_float32_run_keeps_the_float32_widths_and_takes_the_tta_asked_for(capsys):
    """--no-amp on a CPU with fast bfloat16 must not train the bfloat16 widths (Recipe.on), and
    --tta overrides the recipe's test-time augmentation; the JSON line says what was run."""
    import json

    from cnnlab.training.recipe import RECIPES

    bench.main(["cifar10", "--recipe", "fast", "--subset", "512", "--epochs", "1", "--no-amp",
                "--tta", "0", "--device", "cpu"])
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["precision"] == "float32" and line["tta"] == 0
    assert tuple(line["widths"]) == RECIPES["fast"].widths
    assert 0.1 <= line["test_accuracy"] <= 1.0


def test_airbench94_is_refused_on_a_cpu_with_what_to_do(capsys):
    with pytest.raises(SystemExit):
        bench.main(["cifar10", "--recipe", "fast", "--recipe", "airbench94", "--epochs", "1", "--device", "cpu"])
    error = capsys.readouterr().err
    assert "one GPU only" in error and "leave out --recipe airbench94" in error
    from cnnlab.bench.airbench import run_airbench94

    with pytest.raises(ValueError, match="CUDA only"):
        run_airbench94(torch.device("cpu"))


def test_airbench_reads_our_copy_as_we_do(tmp_path):
    """The files handed to airbench (cnnlab.bench.airbench) hold our images, labels and class names, in
    the layout its own CifarLoader expects: read back through airbench itself, on the CPU."""
    airbench = pytest.importorskip("airbench")
    from cnnlab.bench.airbench import save_for_airbench
    from cnnlab.data.dataset import ImageDataset

    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    ours = ImageDataset(images, torch.tensor([0, 1, 2, 9, 4, 5]), [f"class {i}" for i in range(10)])
    save_for_airbench(ours, tmp_path / "cifar10" / "train.pt")
    loader = airbench.CifarLoader(str(tmp_path / "cifar10"), train=True, batch_size=2, gpu="cpu")
    assert torch.equal(loader.labels, ours.labels) and loader.classes == ours.classes
    assert torch.allclose(loader.images.float(), images.float() / 255, atol=1e-3)   # float16, (N, 3, 32, 32)
    assert not list(tmp_path.glob("**/*.part"))


def test_step_profile_splits_the_step_into_kinds_that_add_up():
    conv, norm = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)
    optimizer = torch.optim.SGD([*conv.parameters(), *norm.parameters()], lr=0.1)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        torch.nn.functional.gelu(norm(conv(torch.randn(2, 3, 8, 8)))).sum().backward()
        for _ in range(50):  # enough optimizer work to show at the profile's 3 decimals
            optimizer.step()
    split = shares(prof.key_averages())
    assert set(split) == {f"{k}_share" for k in ("convolution", "batchnorm", "activation", "pooling",
                                                  "optimizer", "other")}
    assert split["convolution_share"] > 0 and split["batchnorm_share"] > 0 and split["activation_share"] > 0
    assert split["optimizer_share"] > 0
    assert sum(split.values()) == pytest.approx(1, abs=0.01)


def test_the_evaluation_batch_benchmark_prints_a_line_per_size_with_its_ratio(capsys):
    lines = bench_eval_batch([40, 20], images=40)
    assert [line["batch_size"] for line in lines] == [40, 20] and lines[0]["ratio_to_first"] == 1.0
    assert all(line["seconds"] > 0 for line in lines) and lines[1]["ratio_to_first"] > 0
    assert lines[0]["cpu"] == cpu_capabilities() and capsys.readouterr().out.count("batch_size") == 2
