using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProtectedFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vsa-protected-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Create_NewFile_HasTheModeAndTheTextAndRefusesToOverwrite()
    {
        var path = Path.Combine(_folder, "key.pem");

        ProtectedFile.Create(path, "secret\n");

        Assert.Equal("secret\n", File.ReadAllText(path));
        Assert.Equal(ProtectedFile.OwnerOnly, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => ProtectedFile.Create(path, "other\n"));
        Assert.Equal("secret\n", File.ReadAllText(path));
    }

    [Fact]
    public void Replace_ExistingWorldReadableFile_TakesTheNewModeAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_folder, "state.json");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, ProtectedFile.Readable | UnixFileMode.OtherWrite);

        ProtectedFile.Replace(path, "new"u8);

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(ProtectedFile.OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Replace_FolderMissing_FailsAndWritesNothing()
    {
        var path = Path.Combine(_folder, "absent", "state.json");

        Assert.Throws<DirectoryNotFoundException>(() => ProtectedFile.Replace(path, "new"));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void CreateDirectory_Missing_IsOwnerOnly()
    {
        var folder = Path.Combine(_folder, "a", "b");

        ProtectedFile.CreateDirectory(folder);

        Assert.Equal(ProtectedFile.OwnerOnlyDirectory, File.GetUnixFileMode(folder));
    }
}
