using Vsa.Edge.Agent.Setup;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Setup;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SetupDraftTests : IDisposable
{
    private static readonly ModelManifest Manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest, verifyModelFile: false);

    private static readonly CameraConfig Original = CameraConfigLoader.Parse(
        """{ "cameraId": "pole-3", "source": "rtsp://admin:secret@10.0.0.9/stream1", "zones": [], "events": [] }""");

    private readonly string _dir = Directory.CreateTempSubdirectory("vsa-setup-draft-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TryUpdate_SelfIntersectingZone_ValidatorErrorWithItsPathAndRunningUnchanged()
    {
        var draft = new SetupDraft(Original, Manifest, "pole");

        var errors = draft.TryUpdate(
            """{ "cameraId": "x", "source": "x", "zones": [ { "id": "z", "polygon": [[0.1,0.1],[0.5,0.5],[0.5,0.1],[0.1,0.5]] } ], "events": [] }""", out var accepted);

        Assert.Null(accepted);
        Assert.Equal(["zones[0].polygon: self-intersecting"], errors);
        Assert.Same(Original, draft.Running);
    }

    [Fact]
    public void TryUpdate_CategoryTheModelLacks_RefusedLikeTheAgentWould()
    {
        var draft = new SetupDraft(Original, Manifest, "pole");

        var errors = draft.TryUpdate(
            """{ "zones": [ { "id": "z", "polygon": [[0.1,0.1],[0.5,0.1],[0.5,0.5]] } ], "events": [ { "type": "intrusion", "zones": ["z"], "categories": ["dragon"] } ] }""", out var accepted);

        Assert.Null(accepted);
        Assert.Contains(errors, e => e.Contains("dragon", StringComparison.Ordinal));
    }

    [Fact]
    public void TryUpdate_PageChangesIdAndSource_CameraFileKeepsThem()
    {
        var draft = new SetupDraft(Original, Manifest, "pole");
        Assert.DoesNotContain("secret", draft.PageDocument.GetRawText(), StringComparison.Ordinal);

        var errors = draft.TryUpdate(
            """{ "cameraId": "other", "source": "rtsp://***@10.0.0.9/stream1", "zones": [ { "id": "parvis", "polygon": [[0.1,0.1],[0.5,0.1],[0.5,0.5]] } ], "events": [] }""", out var accepted);

        Assert.Empty(errors);
        Assert.Equal("pole-3", accepted!.CameraId);
        Assert.Equal(Original.Source, accepted.Source);
        Assert.Equal("parvis", draft.Running.Zones[0].Id);
    }

    [Fact]
    public void Save_ValidDraft_SameCanonicalBytesInProposalsAndOutOwnerOnly()
    {
        var draft = new SetupDraft(Original, Manifest, "pole");
        draft.TryUpdate(
            """{ "name": "Parvis é", "zones": [ { "id": "parvis", "polygon": [[0.1,0.1],[0.5,0.1],[0.5,0.5]] } ], "events": [ { "type": "intrusion", "zones": ["parvis"] } ] }""", out _);
        var output = Path.Combine(_dir, "out", "camera.json");

        var paths = draft.Save(Path.Combine(_dir, "data"), output);

        Assert.Equal([Path.Combine(_dir, "data", "proposals", "pole-3.json"), output], paths);
        var saved = File.ReadAllBytes(paths[0]);
        Assert.Equal(saved, File.ReadAllBytes(output));
        Assert.Equal(SetupDraft.Serialize(CameraConfigLoader.Parse(System.Text.Encoding.UTF8.GetString(saved))), saved);
        Assert.Contains("\"name\": \"Parvis é\"", System.Text.Encoding.UTF8.GetString(saved), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(paths[0]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));
    }

    [Fact]
    public void Save_CameraIdThatIsAPath_RefusedWithTheReason()
    {
        var draft = new SetupDraft(Original with { CameraId = "../etc" }, Manifest, "pole");

        var error = Assert.Throws<IOException>(() => draft.Save(_dir, null));

        Assert.Contains("cannot name a file", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "proposals")));
    }
}
