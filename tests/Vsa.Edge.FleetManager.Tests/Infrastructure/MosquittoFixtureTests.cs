using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>The shared Mosquitto fixture itself: restart on the same port, and a failed start that explains itself.</summary>
public sealed class MosquittoFixtureTests
{
    [Fact]
    public void StopThenStart_SamePort_RefusesThenAcceptsConnections()
    {
        using var mosquitto = new MosquittoFixture();
        var port = mosquitto.Port;

        mosquitto.Stop();
        Assert.False(mosquitto.IsRunning);
        Assert.False(Accepts(port));

        mosquitto.Start();
        Assert.True(mosquitto.IsRunning);
        Assert.Equal(port, mosquitto.Port);
        Assert.True(Accepts(port));
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Constructor_BrokerExitsAtStart_ThrowsWithItsStderr()
    {
        var directory = Directory.CreateTempSubdirectory("vsa-fake-mosquitto-").FullName;
        try
        {
            var script = Path.Combine(directory, "mosquitto");
            File.WriteAllText(script, "#!/bin/sh\necho \"Error: cannot open $2\" >&2\nexit 3\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var error = Assert.Throws<InvalidOperationException>(() => new MosquittoFixture(script, TimeSpan.FromSeconds(10)));

            Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("Error: cannot open", error.Message, StringComparison.Ordinal);
            Assert.Contains("mosquitto.conf", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static bool Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
