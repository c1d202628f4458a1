# avimark-backup host operations: which local programs hold files open (the Restart Manager API, rstrtmgr.dll,
# the API Explorer uses for "the file is open in ..."). Used only after a rename failed because something holds a
# file (restore --to-live), to name it. Loaded into the one PowerShell process together with Host.ps1; defines
# functions only. Values arrive as decoded JSON data and are passed as parameter values, never made into code.
# Runs on Windows PowerShell 5.1 (C# 5) and PowerShell 7.

$script:AvbRestartManagerSource = @'
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

public static class AvbRestartManager {
    [StructLayout(LayoutKind.Sequential)]
    private struct RM_UNIQUE_PROCESS {
        public int dwProcessId;
        public System.Runtime.InteropServices.ComTypes.FILETIME ProcessStartTime;
    }

    [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
    private struct RM_PROCESS_INFO {
        public RM_UNIQUE_PROCESS Process;
        [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 256)] public string strAppName;
        [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 64)] public string strServiceShortName;
        public int ApplicationType;
        public uint AppStatus;
        public uint TSSessionId;
        [MarshalAs(UnmanagedType.Bool)] public bool bRestartable;
    }

    [DllImport("rstrtmgr.dll", CharSet = CharSet.Unicode)]
    private static extern int RmStartSession(out uint pSessionHandle, int dwSessionFlags, System.Text.StringBuilder strSessionKey);

    [DllImport("rstrtmgr.dll")]
    private static extern int RmEndSession(uint pSessionHandle);

    [DllImport("rstrtmgr.dll", CharSet = CharSet.Unicode)]
    private static extern int RmRegisterResources(uint pSessionHandle, uint nFiles, string[] rgsFilenames,
        uint nApplications, [In] RM_UNIQUE_PROCESS[] rgApplications, uint nServices, string[] rgsServiceNames);

    [DllImport("rstrtmgr.dll")]
    private static extern int RmGetList(uint dwSessionHandle, out uint pnProcInfoNeeded, ref uint pnProcInfo,
        [In, Out] RM_PROCESS_INFO[] rgAffectedApps, ref uint lpdwRebootReasons);

    private const int ERROR_MORE_DATA = 234;

    // Each program holding one of the files: "pid|application name|service short name".
    public static string[] GetLockers(string[] files) {
        uint handle;
        int rc = RmStartSession(out handle, 0, new System.Text.StringBuilder(33));
        if (rc != 0) throw new System.ComponentModel.Win32Exception(rc, "RmStartSession failed (" + rc + ")");
        try {
            rc = RmRegisterResources(handle, (uint)files.Length, files, 0, null, 0, null);
            if (rc != 0) throw new System.ComponentModel.Win32Exception(rc, "RmRegisterResources failed (" + rc + ")");
            uint needed = 0, count = 0, reasons = 0;
            RM_PROCESS_INFO[] infos = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                rc = RmGetList(handle, out needed, ref count, infos, ref reasons);
                if (rc == 0) break;
                if (rc != ERROR_MORE_DATA) throw new System.ComponentModel.Win32Exception(rc, "RmGetList failed (" + rc + ")");
                infos = new RM_PROCESS_INFO[needed];
                count = needed;
            }
            if (rc != 0) throw new System.ComponentModel.Win32Exception(rc, "RmGetList failed (" + rc + ")");
            List<string> result = new List<string>();
            for (int i = 0; i < count && infos != null; i++) {
                result.Add(infos[i].Process.dwProcessId + "|" + infos[i].strAppName + "|" + infos[i].strServiceShortName);
            }
            return result.ToArray();
        } finally {
            RmEndSession(handle);
        }
    }
}
'@

# How many files of a folder are asked about at most (the first ones found, the folder's own files first).
$script:AvbLockerFileLimit = 2000

# The local programs holding files inside $a.folder open: [{ pid, name, service }]. Throws when the Restart
# Manager cannot answer (it exists from Windows Vista / Server 2008 on).
function Invoke-AvbListFileLockers($a) {
    $folder = [string]$a.folder
    if (-not [System.IO.Directory]::Exists($folder)) { throw "Cannot list what holds files in '$folder': the folder does not exist." }
    $files = New-Object System.Collections.Generic.List[string]
    foreach ($f in [System.IO.Directory]::EnumerateFiles($folder, '*', [System.IO.SearchOption]::AllDirectories)) {
        $files.Add($f)
        if ($files.Count -ge $script:AvbLockerFileLimit) { break }
    }
    if ($files.Count -eq 0) { return @() }
    if (-not ('AvbRestartManager' -as [type])) { Add-Type -TypeDefinition $script:AvbRestartManagerSource -Language CSharp }
    $out = New-Object System.Collections.Generic.List[object]
    foreach ($line in [AvbRestartManager]::GetLockers($files.ToArray())) {
        $parts = $line.Split([char]'|')
        $out.Add([ordered]@{ pid = [int]$parts[0]; name = [string]$parts[1]; service = [string]$parts[2] })
    }
    return $out.ToArray()
}
