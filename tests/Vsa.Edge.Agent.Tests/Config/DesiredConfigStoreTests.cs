using System.Text.Json;
using Vsa.Edge.Agent.Config;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Config;

public sealed class DesiredConfigStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-store-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Save_ThenTryLoad_SameMessageAndNoTemporaryFileLeft()
    {
        var store = new DesiredConfigStore(_dir.FullName);
        var camera = JsonDocument.Parse("""{ "cameraId": "cam-1", "source": "rtsp://cam/1", "zones": [], "events": [] }""").RootElement.Clone();
        var at = new DateTimeOffset(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
        var message = new DesiredConfigMessage(DesiredConfigMessage.SchemaId, 1, "dev-1", 7, at, [camera], [new AuthorisationWindow("A-1", "PM", ["fire"], ["cam-1"], at, at.AddDays(1))]);

        store.Save(message with { Version = 6 });
        store.Save(message);
        var loaded = store.TryLoad(out var problem);

        Assert.Null(problem);
        Assert.NotNull(loaded);
        Assert.Equal(7, loaded.Version);
        Assert.Equal("cam-1", loaded.Cameras[0].GetProperty("cameraId").GetString());
        Assert.Equal(message.Authorisations, loaded.Authorisations, (a, b) => a.Reference == b.Reference && a.EndsAt == b.EndsAt && a.Events.SequenceEqual(b.Events));
        Assert.Equal(["desired.json"], Directory.GetFiles(Path.GetDirectoryName(store.FilePath)!).Select(Path.GetFileName));
    }

    [Fact]
    public void TryLoad_Nothing_NullWithoutProblem()
    {
        Assert.Null(new DesiredConfigStore(_dir.FullName).TryLoad(out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void TryLoad_DamagedFile_NullNamingTheFile()
    {
        var store = new DesiredConfigStore(_dir.FullName);
        Directory.CreateDirectory(Path.GetDirectoryName(store.FilePath)!);
        File.WriteAllText(store.FilePath, "{ \"schema\": ");

        Assert.Null(store.TryLoad(out var problem));
        Assert.StartsWith(store.FilePath, problem, StringComparison.Ordinal);
    }
}
