"""``covenant model build|summary|ops`` and the --layer check of compile and simulate."""

from __future__ import annotations

import onnx
import pytest

from covenant_lab.cli import main
from covenant_lab.cli import model as cli_model
from covenant_lab.frontends.onnx import SUPPORTED_OPS, load
from covenant_lab.models import lenet


def test_ops_lists_the_supported_operators(capsys):
    assert main(["model", "ops"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[: len(SUPPORTED_OPS)]] == list(SUPPORTED_OPS)
    assert "Constant  (becomes an initializer)" in out


def test_build_writes_a_loadable_model_atomically(tmp_path, capsys):
    path = tmp_path / "lenet.onnx"
    assert main(["model", "build", "lenet", "-o", str(path), "--seed", "3"]) == 0
    assert f"wrote {path} (lenet, 10 nodes" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.onnx"]  # no temporary left over
    assert onnx.load(path).SerializeToString() == lenet(seed=3).SerializeToString()
    assert len(load(path).layers) == 10


def test_build_unknown_name_lists_the_models(tmp_path, capsys):
    assert main(["model", "build", "vgg16", "-o", str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'vgg16'" in err
    assert "resnet18, resnet50, mobilenetv2, bert, lenet" in err
    assert not list(tmp_path.iterdir())


def test_build_into_a_missing_directory(tmp_path, capsys):
    assert main(["model", "build", "lenet", "-o", str(tmp_path / "no" / "x.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_build_needs_an_output(capsys):
    with pytest.raises(SystemExit) as info:
        main(["model", "build", "lenet"])
    assert info.value.code == 2


def test_summary_table(tmp_path, capsys):
    path = tmp_path / "lenet.onnx"
    onnx.save(lenet(), path)
    assert main(["model", "summary", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"lenet ({path}, opset 20)"
    assert lines[1].split() == ["node", "op", "inputs", "->", "outputs", "codelet", "operations"]
    conv1 = next(line for line in lines if line.startswith("conv1 "))
    assert "[1,1,28,28] [6,1,5,5] [6] -> [1,6,28,28]" in conv1
    assert conv1.split()[-1] == "117,600"  # 6 * 28 * 28 * 25 MACs
    total = lines[-1].split()
    assert total[:3] == ["total", "10", "layers"]
    model = load(path)
    assert total[-1] == f"{sum(layer.codelet.operations for layer in model.layers):,}"


def test_summary_with_shapes(tmp_path, capsys):
    proto = lenet()
    proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    path = tmp_path / "dyn.onnx"
    onnx.save(proto, path)
    assert main(["model", "summary", str(path)]) == 2
    assert "input 'input' has a dynamic shape [batch, 1, 28, 28]" in capsys.readouterr().err
    assert main(["model", "summary", str(path), "--shape", "input=2,1,28,28"]) == 0
    assert "[2,1,28,28]" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["input", "input=", "input=a,b", "=1,2"])
def test_summary_bad_shape_option(tmp_path, capsys, bad):
    path = tmp_path / "lenet.onnx"
    onnx.save(lenet(), path)
    assert main(["model", "summary", str(path), "--shape", bad]) == 2
    assert "expected INPUT=D0,D1,..." in capsys.readouterr().err


def test_summary_of_a_bad_file_exits_2(tmp_path, capsys):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\xff" * 64)
    assert main(["model", "summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not an ONNX model")
    assert main(["model", "summary", str(tmp_path / "none.onnx")]) == 2
    assert "none.onnx: no such file" in capsys.readouterr().err


def test_built_in_names_are_the_builders():
    from covenant_lab.models import BUILDERS

    assert tuple(BUILDERS) == cli_model.BUILT_IN


def test_summary_of_a_built_in_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no file named lenet here: the built-in model, in memory
    assert main(["model", "summary", "lenet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "lenet (lenet, opset 20)"
    assert lines[-1].split()[:3] == ["total", "10", "layers"]
    assert not list(tmp_path.iterdir())
    assert main(["model", "summary", "lenet", "--shape", "input=2,1,28,28"]) == 0
    assert "[2,1,28,28]" in capsys.readouterr().out


def test_summary_prefers_a_file_over_a_built_in_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    proto = lenet()
    proto.graph.name = "from_the_file"
    onnx.save(proto, tmp_path / "resnet50")
    assert main(["model", "summary", "resnet50"]) == 0
    assert capsys.readouterr().out.startswith("from_the_file (resnet50, opset 20)")


def test_summary_of_neither_file_nor_name(tmp_path, capsys):
    assert main(["model", "summary", str(tmp_path / "resnet50.onnx")]) == 2
    err = capsys.readouterr().err
    assert "resnet50.onnx: no such file, and not a built-in model name" in err
    assert "hint: built-in models: resnet18, resnet50, mobilenetv2, bert, lenet" in err


@pytest.mark.parametrize("command", ["compile", "simulate"])
def test_unknown_layer_lists_the_layers(command, capsys):
    assert main([command, "lenet", "--arch", "teaching", "--layer", "conv3"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {command}: --layer 'conv3': no such layer in lenet"
    assert err[1] == ("hint: did you mean 'conv2', 'conv1'? known: conv1, relu1, pool1, conv2, "
                      "relu2, pool2, flatten, fc1, relu3, fc2")


def test_unknown_layer_of_a_large_model_lists_the_first_names():
    from covenant_lab.errors import UsageError
    from covenant_lab.frontends.onnx import load as load_model
    from covenant_lab.models import resnet50

    model = load_model(resnet50())
    cli_model.check_layers(model, ["conv1", "layer1.0.conv2"], "compile")  # known: no error
    with pytest.raises(UsageError) as info:
        cli_model.check_layers(model, ["layer1.0.conv2", "nosuch"], "compile")
    hint = info.value.hint or ""
    assert "'nosuch'" in info.value.message and "layer1.0.conv2" not in info.value.message
    assert hint.startswith("known: conv1, relu, maxpool, layer1.0.conv1,")
    assert hint.endswith(f", ... ({len(model.layers)} in all: `covenant model summary resnet50`)")
    assert hint.count(", ") == 40


def test_list_names_the_built_in_models(capsys):
    assert main(["model", "list"]) == 0
    assert capsys.readouterr().out.split() == list(cli_model.BUILT_IN)

