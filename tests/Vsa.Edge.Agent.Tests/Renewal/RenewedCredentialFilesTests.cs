using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Renewal;

namespace Vsa.Edge.Agent.Tests.Renewal;

/// <summary>The certificate and key replaced as one step: a crash at either side of the commit point leaves a matching pair.</summary>
public sealed class RenewedCredentialFilesTests : IDisposable
{
    private readonly RenewalSupport _old = new();
    private readonly RenewalSupport _new = new();

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
    }

    [Fact]
    public void Replace_NewPair_InstalledKeyOwnerOnlyAndLoadable()
    {
        RenewedCredentialFiles.Replace(_old.CertificatePath, _old.KeyPath, File.ReadAllText(_new.CertificatePath), File.ReadAllText(_new.KeyPath));

        using var loaded = DeviceCredentials.Load(_old.Mqtt())!;
        Assert.Equal(_new.EnrolledSerial, loaded.Certificate.SerialNumber);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_old.KeyPath));
        }

        Assert.Equal([DeviceCredentials.CaFileName, DeviceCredentials.CertificateFileName, DeviceCredentials.KeyFileName], Directory.GetFiles(_old.CredentialsDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_CrashAfterCommitKeyAlreadyMoved_FinishesWithTheNewPair()
    {
        // Committed (the certificate's .next exists), the key already renamed, the certificate not yet.
        File.Copy(_new.KeyPath, _old.KeyPath, overwrite: true);
        File.Copy(_new.CertificatePath, _old.CertificatePath + RenewedCredentialFiles.NextSuffix);

        using var loaded = DeviceCredentials.Load(_old.Mqtt())!;

        Assert.Equal(_new.EnrolledSerial, loaded.Certificate.SerialNumber);
        Assert.False(File.Exists(_old.CertificatePath + RenewedCredentialFiles.NextSuffix));
    }

    [Fact]
    public void Load_CrashBeforeCommit_KeepsTheOldPairAndDiscardsTheNewKey()
    {
        // The new key written, the certificate not yet: not committed.
        File.Copy(_new.KeyPath, _old.KeyPath + RenewedCredentialFiles.NextSuffix);

        using var loaded = DeviceCredentials.Load(_old.Mqtt())!;

        Assert.Equal(_old.EnrolledSerial, loaded.Certificate.SerialNumber);
        Assert.False(File.Exists(_old.KeyPath + RenewedCredentialFiles.NextSuffix));
    }
}
