using System.CommandLine;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary><c>vsa-agent model status|install|rollback</c> given a factory model folder that is not one.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vsa-model-command-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    private string Data => Path.Combine(_root, "data");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("rollback", "--reason", "why")]
    [InlineData("status")]
    [InlineData("install", "--package", "p.vsamodel", "--trust", "k.pem")]
    public async Task Model_ModelDirWithoutManifest_Exits2NamingItAndRecordsNothing(string command, params string[] more)
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        foreach (var modelDirectory in new[] { Path.Combine(_root, "nonexistent"), empty })
        {
            Assert.Equal(2, await Run(["model", command, "--data-dir", Data, "--model-dir", modelDirectory, .. more]));
            Assert.Contains($"error: option '--model-dir' must be a model folder (with its manifest.json), not '{modelDirectory}'", _error.ToString(), StringComparison.Ordinal);
            Assert.Contains($" model {command} --help'", _error.ToString(), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Data));
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public async Task Status_FactoryManifestUnreadable_ExitsOneWithTheReasonNotAStackTrace()
    {
        var broken = Directory.CreateDirectory(Path.Combine(_root, "broken")).FullName;
        await File.WriteAllTextAsync(Path.Combine(broken, "manifest.json"), "not a manifest");

        Assert.Equal(1, await Run(["model", "status", "--data-dir", Data, "--model-dir", broken]));

        Assert.StartsWith($"error: Model in '{broken}' cannot be used", _error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbackThenStatus_RealFactoryModel_RecordsTheRollbackAndNamesTheFactoryModel()
    {
        Assert.Equal(0, await Run(["model", "rollback", "--data-dir", Data, "--model-dir", TestAssets.NanoDetDirectory, "--reason", "by hand"]));
        Assert.Equal(0, await Run(["model", "status", "--data-dir", Data, "--model-dir", TestAssets.NanoDetDirectory]));

        Assert.Contains("active factory nanodet-coco factory", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("last=factory:rolled-back:by hand", _out.ToString(), StringComparison.Ordinal);
        Assert.Empty(_error.ToString());
    }

    private Task<int> Run(string[] args) =>
        AgentCommandLine.InvokeAsync(new RootCommand { ModelCommand.Definition(_out, _error) }, args, _out, _error);
}
