using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Tfjs;

public sealed class TfjsGraphLoaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": [{\"op\": \"Const\"}]}}")]
    public void Load_MalformedModelJson_ErrorNamesTheFile(string json)
    {
        var path = _temp.File("model.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<InvalidDataException>(() => TfjsGraphLoader.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LayersModel_IsRefused()
    {
        var path = _temp.File("model.json");
        File.WriteAllText(path, "{\"format\": \"layers-model\", \"modelTopology\": {}}");

        var error = Assert.Throws<InvalidDataException>(() => TfjsGraphLoader.Load(path));

        Assert.Contains("layers-model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InlineAttributes_AreDecoded()
    {
        var path = _temp.File("model.json");
        File.WriteAllText(path, """
            {"format": "graph-model", "modelTopology": {"node": [
              {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": {"dim": [{"size": "1"}, {"size": "-1"}]}}}},
              {"name": "y", "op": "LeakyRelu", "input": ["x", "^x"], "attr": {"alpha": {"f": 0.1}, "data_format": {"s": "TkhXQw=="},
                "strides": {"list": {"i": ["1", "2", "2", "1"]}}, "flag": {"b": true}}}
            ]}, "weightsManifest": []}
            """);

        var graph = TfjsGraphLoader.Load(path);

        var y = Assert.Single(graph.Nodes, n => n.Name == "y");
        Assert.Equal(["x"], y.Inputs);
        Assert.Equal(0.1f, y.GetFloat("alpha", 0));
        Assert.Equal("NHWC", y.GetString("data_format", ""));
        Assert.Equal([1L, 2, 2, 1], y.GetInts("strides", []));
        Assert.True(y.GetBool("flag", false));
        Assert.Equal([1L, -1], graph.Nodes[0].Attrs["shape"].Shape);
        Assert.Equal(["y"], graph.Outputs);
    }
}
