using Vsa.Edge.Agent.DesiredConfig;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

public sealed class DesiredConfigStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-store-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Save_ThenTryLoad_SameBytesAndNoTemporaryFileLeft()
    {
        var store = new DesiredConfigStore(_dir.FullName);
        byte[] older = [.. "{\"schema\":\"vsa.config.desired\",\"keyId\":\"a\"}"u8];
        byte[] newer = [.. "{\"schema\":\"vsa.config.desired\",\"keyId\":\"b\",\"payload\":\"e30=\"}"u8];

        store.Save(older);
        store.Save(newer);
        var loaded = store.TryLoad(out var problem);

        Assert.Null(problem);
        Assert.Equal(newer, loaded);
        Assert.Equal(["desired.json"], Directory.GetFiles(Path.GetDirectoryName(store.FilePath)!).Select(Path.GetFileName));
    }

    [Fact]
    public void TryLoad_Nothing_NullWithoutProblem()
    {
        Assert.Null(new DesiredConfigStore(_dir.FullName).TryLoad(out var problem));
        Assert.Null(problem);
    }
}
