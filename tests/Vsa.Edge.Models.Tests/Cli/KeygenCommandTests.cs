using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Models.Cli;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Cli;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("../escaped")]
    [InlineData("sub/escaped")]
    [InlineData("..")]
    [InlineData("")]
    public async Task Keygen_NameThatIsNotAPlainFileName_ExitsWithUsageAndWritesNothing(string name)
    {
        var keys = Path.Combine(_temp.Path, "keys");

        var code = await Run("keygen", "--out", keys, "--name", name);

        Assert.Equal(ToolApp.BadUsage, code);
        Assert.Contains("option '--name' must be a plain file name", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains(" keygen --help'", _error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Keygen_AbsoluteName_ExitsWithUsageAndWritesNothing()
    {
        var outside = Path.Combine(_temp.Path, "outside");

        Assert.Equal(ToolApp.BadUsage, await Run("keygen", "--out", Path.Combine(_temp.Path, "keys"), $"--name={outside}"));

        Assert.False(File.Exists(outside + ".key"));
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "keys")));
    }

    [Fact]
    public async Task Keygen_PlainName_WritesOwnerOnlyKeyAndPublicKeyInsideOut()
    {
        var keys = Path.Combine(_temp.Path, "keys");

        Assert.Equal(0, await Run("keygen", "--out", keys, "--name", "fleet-2026"));

        Assert.Equal(["fleet-2026.key", "fleet-2026.pub.pem"], Directory.GetFiles(keys).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "fleet-2026.key")));
        }
    }

    private Task<int> Run(params string[] args) =>
        ToolApp.RunAsync(args, new ToolConsole(_out, _error, new FakeTimeProvider()), CancellationToken.None);
}
