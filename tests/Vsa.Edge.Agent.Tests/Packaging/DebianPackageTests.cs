using System.Diagnostics;
using System.Runtime.Versioning;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Packaging;

/// <summary>
/// The agent's Debian package as <c>provisioning/debian/build-deb.sh</c> assembles it, on a stand-in published folder (the
/// real publish takes minutes: <c>./vsa package verify</c> installs the real .deb on a clean Debian 12 root), and the setup
/// script its maintainer scripts and <c>./vsa provision install</c> share, applied to a scratch root (<c>VSA_ROOT</c>).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DebianPackageTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _work = Directory.CreateTempSubdirectory("vsa-deb-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("amd64", "libgtk-3-0")]
    [InlineData("arm64", "libssl1.1")]
    public async Task Build_StandInAgent_ControlFieldsContentsAndMaintainerScripts(string arch, string dependency)
    {
        var deb = await BuildAsync(arch);

        Assert.Equal("vsa-edge-agent", await RunAsync("dpkg-deb", "-f", deb, "Package"));
        Assert.Equal(arch, await RunAsync("dpkg-deb", "-f", deb, "Architecture"));
        Assert.Equal("1.2.3~test", await RunAsync("dpkg-deb", "-f", deb, "Version"));
        var depends = await RunAsync("dpkg-deb", "-f", deb, "Depends");
        Assert.Contains(dependency, depends, StringComparison.Ordinal);
        Assert.Contains("systemd", depends, StringComparison.Ordinal);
        var info = await RunAsync("dpkg-deb", "-I", deb);
        Assert.Contains("dpkg -P\" deletes them", info, StringComparison.Ordinal);
        foreach (var script in new[] { "postinst", "prerm", "postrm" })
        {
            Assert.Matches($@"\d+ bytes,\s+\d+ lines\s+\*\s+{script}", info);
        }

        var contents = (await RunAsync("dpkg-deb", "-c", deb)).Split('\n');
        string Entry(string path) => Assert.Single(contents, l => l.EndsWith(path, StringComparison.Ordinal) || l.Contains(path + " -> ", StringComparison.Ordinal));
        Assert.StartsWith("-rwxr-xr-x root/root", Entry("./opt/vsa-edge/agent/vsa-agent"), StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- root/root", Entry("./opt/vsa-edge/agent/vsa-agent.dll"), StringComparison.Ordinal);
        Assert.StartsWith("-rwxr-xr-x root/root", Entry("./opt/vsa-edge/setup/vsa-edge-setup.sh"), StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- root/root", Entry("./lib/systemd/system/vsa-agent.service"), StringComparison.Ordinal);
        Assert.EndsWith("./usr/bin/vsa-agent -> /opt/vsa-edge/agent/vsa-agent", Entry("./usr/bin/vsa-agent"), StringComparison.Ordinal);

        // Nothing of /etc/vsa-edge or /var/lib/vsa-edge is shipped: they are the installer's and the device's, kept by dpkg -r.
        Assert.DoesNotContain(contents, l => l.Contains("./etc/", StringComparison.Ordinal) || l.Contains("./var/", StringComparison.Ordinal));
        var unit = await RunAsync("sh", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -xO ./lib/systemd/system/vsa-agent.service");
        Assert.Contains("ConditionPathExists=/etc/vsa-edge/agent.json", unit, StringComparison.Ordinal);
        Assert.Contains("ConditionPathExists=/var/lib/vsa-edge/credentials/device.crt", unit, StringComparison.Ordinal);
        Assert.Contains("ExecStart=/opt/vsa-edge/agent/vsa-agent run --config /etc/vsa-edge/agent.json", unit, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivileges=yes", unit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_StandInAgent_JournalLimitedTo30DaysAndItsShareOfTheDiskByAVendorDropIn()
    {
        const string DropIn = "./usr/lib/systemd/journald.conf.d/vsa-edge.conf";
        var deb = await BuildAsync("arm64");

        var contents = (await RunAsync("dpkg-deb", "-c", deb)).Split('\n');
        Assert.StartsWith("-rw-r--r-- root/root", Assert.Single(contents, l => l.EndsWith(DropIn, StringComparison.Ordinal)), StringComparison.Ordinal);
        var text = await RunAsync("sh", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -xO {DropIn}");
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';')).ToList();
        Assert.Equal("[Journal]", lines[0]);
        var settings = lines.Skip(1).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        Assert.Equal("30day", settings["MaxRetentionSec"]);
        Assert.Equal("1day", settings["MaxFileSec"]);
        Assert.Equal(("512M", "1G", "32M", "64M"), (settings["SystemMaxUse"], settings["SystemKeepFree"], settings["SystemMaxFileSize"], settings["RuntimeMaxUse"]));

        // ./vsa provision install puts the same file where an administrator's drop-ins go (there is no package to own it).
        var vsa = await File.ReadAllTextAsync(Path.Combine(TestAssets.RepositoryRoot, "vsa"));
        Assert.Contains("provisioning/systemd/journald-vsa-edge.conf\" /etc/systemd/journald.conf.d/vsa-edge.conf", vsa, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupScript_ConfigureTwiceRemovePurge_UserFoldersAndModesThenDataKeptThenGone()
    {
        var root = Path.Combine(_work, "root");
        Directory.CreateDirectory(Path.Combine(root, "etc", "systemd", "system"));
        Directory.CreateDirectory(Path.Combine(root, "lib", "systemd", "system"));
        File.Copy(Path.Combine(TestAssets.RepositoryRoot, "provisioning", "systemd", "vsa-agent.service"), Path.Combine(root, "lib", "systemd", "system", "vsa-agent.service"));
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "group"), "root:x:0:\nvideo:x:44:\n");
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "shadow"), "root:*:20000:0:99999:7:::\n");
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "gshadow"), "root:*::\nvideo:*::\n");
        var env = new Dictionary<string, string> { ["VSA_ROOT"] = root };

        await SetupAsync(env, "configure");
        await SetupAsync(env, "configure");

        var passwd = await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd"));
        var user = Assert.Single(passwd, l => l.StartsWith("vsa:", StringComparison.Ordinal)).Split(':');
        Assert.True(int.Parse(user[2], System.Globalization.CultureInfo.InvariantCulture) < 1000, "a system user");
        Assert.Equal(("/var/lib/vsa-edge", "/usr/sbin/nologin"), (user[5], user[6]));
        var groups = await File.ReadAllLinesAsync(Path.Combine(root, "etc", "group"));
        foreach (var group in new[] { "video", "render", "gpio" })
        {
            Assert.EndsWith(":vsa", Assert.Single(groups, g => g.StartsWith(group + ":", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        Assert.Equal($"750 0:{user[3]}", await StatAsync(root, "etc/vsa-edge"));
        Assert.Equal($"750 {user[2]}:{user[3]}", await StatAsync(root, "var/lib/vsa-edge"));
        Assert.Equal($"700 {user[2]}:{user[3]}", await StatAsync(root, "var/lib/vsa-edge/credentials"));
        Assert.Equal($"750 {user[2]}:{user[3]}", await StatAsync(root, "var/lib/vsa-edge/proposals"));

        // A folder the agent owns, replaced by a link to somewhere else: refused, the link's target untouched.
        var proposals = Path.Combine(root, "var", "lib", "vsa-edge", "proposals");
        var target = Directory.CreateDirectory(Path.Combine(_work, "elsewhere")).FullName;
        var targetBefore = await RunAsync("stat", "-c", "%a %u:%g", target);
        Directory.Delete(proposals);
        Directory.CreateSymbolicLink(proposals, target);
        await Assert.ThrowsAnyAsync<Exception>(() => SetupAsync(env, "configure"));
        Assert.Equal(targetBefore, await RunAsync("stat", "-c", "%a %u:%g", target));
        File.Delete(proposals);
        await SetupAsync(env, "configure");
        var wants = Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants", "vsa-agent.service");
        Assert.Equal("/lib/systemd/system/vsa-agent.service", new FileInfo(wants).LinkTarget);

        await File.WriteAllTextAsync(Path.Combine(root, "var", "lib", "vsa-edge", "credentials", "device.crt"), "kept");

        // The journal's limits as ./vsa provision install puts them in /etc, beside a drop-in of the administrator's own.
        var journald = Directory.CreateDirectory(Path.Combine(root, "etc", "systemd", "journald.conf.d")).FullName;
        File.Copy(Path.Combine(TestAssets.RepositoryRoot, "provisioning", "systemd", "journald-vsa-edge.conf"), Path.Combine(journald, "vsa-edge.conf"));
        await File.WriteAllTextAsync(Path.Combine(journald, "zz-local.conf"), "[Journal]\nMaxRetentionSec=7day\n");
        await SetupAsync(env, "remove");
        Assert.Equal(["zz-local.conf"], Directory.GetFiles(journald).Select(Path.GetFileName));
        Assert.False(File.Exists(wants) || new FileInfo(wants).LinkTarget is not null);
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(root, "var", "lib", "vsa-edge", "credentials", "device.crt")));
        Assert.Contains(await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd")), l => l.StartsWith("vsa:", StringComparison.Ordinal));

        await SetupAsync(env, "purge");
        Assert.False(Directory.Exists(Path.Combine(root, "var", "lib", "vsa-edge")));
        Assert.False(Directory.Exists(Path.Combine(root, "etc", "vsa-edge")));
        Assert.DoesNotContain(await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd")), l => l.StartsWith("vsa:", StringComparison.Ordinal));
    }

    private async Task<string> BuildAsync(string arch)
    {
        var published = Path.Combine(_work, "published");
        Directory.CreateDirectory(published);
        await File.WriteAllTextAsync(Path.Combine(published, "vsa-agent"), "#!/bin/sh\necho stand-in\n");
        File.SetUnixFileMode(Path.Combine(published, "vsa-agent"), (UnixFileMode)0b111_101_101);
        await File.WriteAllBytesAsync(Path.Combine(published, "vsa-agent.dll"), [0x4d, 0x5a]);
        File.SetUnixFileMode(Path.Combine(published, "vsa-agent.dll"), (UnixFileMode)0b110_000_000);
        var script = Path.Combine(TestAssets.RepositoryRoot, "provisioning", "debian", "build-deb.sh");
        return await RunAsync(script, published, arch, "1.2.3~test", Path.Combine(_work, "out"));
    }

    private static Task<string> SetupAsync(Dictionary<string, string> env, string step) =>
        RunAsync(Path.Combine(TestAssets.RepositoryRoot, "provisioning", "debian", "vsa-edge-setup.sh"), env, step);

    private static Task<string> StatAsync(string root, string path) => RunAsync("stat", "-c", "%a %u:%g", Path.Combine(root, path));

    private static Task<string> RunAsync(string file, params string[] arguments) => RunAsync(file, null, arguments);

    private static async Task<string> RunAsync(string file, Dictionary<string, string>? env, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in env ?? [])
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        using var guard = new CancellationTokenSource(Guard);
        var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
        var stderr = process.StandardError.ReadToEndAsync(guard.Token);
        await process.WaitForExitAsync(guard.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return (await stdout).Trim();
    }
}
