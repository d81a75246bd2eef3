using System.Security.Cryptography;
using Vsa.Edge.Agent.Models;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// Model-signing keys from a desired state: learnt only as a first set. The desired state is signed by the fleet's key; a
/// separate model key exists so that the fleet's key alone cannot put a model on the devices (red-team H1).
/// </summary>
public sealed class ModelSigningKeyStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-model-keys-").FullName;

    [Fact]
    public void LearnFromDesiredState_NoKeyYet_LearntOwnerOnly()
    {
        var store = new ModelSigningKeyStore(Path.Combine(_directory, ModelSigningKeyStore.FileName));
        var key = NewKey();

        var outcome = store.LearnFromDesiredState([key]);

        Assert.Equal(DesiredKeysOutcome.Learnt, outcome);
        Assert.Equal(Convert.FromBase64String(key), Assert.Single(store.Read()));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        }
    }

    [Fact]
    public void LearnFromDesiredState_DeviceTrustsOtherKeys_RefusedAndItsOwnKept()
    {
        var store = new ModelSigningKeyStore(Path.Combine(_directory, ModelSigningKeyStore.FileName));
        var enrolled = NewKey();
        store.Replace([enrolled]);

        var attacker = store.LearnFromDesiredState([NewKey()]);
        var added = store.LearnFromDesiredState([enrolled, NewKey()]);
        var same = store.LearnFromDesiredState([enrolled]);

        Assert.Equal((DesiredKeysOutcome.RefusedAlreadyTrusting, DesiredKeysOutcome.RefusedAlreadyTrusting, DesiredKeysOutcome.Unchanged), (attacker, added, same));
        Assert.Equal(Convert.FromBase64String(enrolled), Assert.Single(store.Read()));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string NewKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }
}
