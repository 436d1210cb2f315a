-- Tables outside the 21 core WHMCS tables of schema.sql that the testbed also needs.
--
-- tblconfiguration: copied verbatim from the WHMCS 8.10+ MariaDB dump cited in
--   whmcs-model.md as DDL810 (code-index file 7580653687). The seeder stores the
--   `Version` setting here, which is how a migrator detects the WHMCS version.
-- mod_pvewhmcs_nodes / mod_pvewhmcs_plans / mod_pvewhmcs_vms: copied verbatim from
--   The-Network-Crew/Proxmox-VE-for-WHMCS modules/addons/pvewhmcs/db.sql
--   @63f56f8eea2132f4dba3fed108a99188da5e3501 (the pvewhmcs module, whmcs-model.md §8).

CREATE TABLE `tblconfiguration` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `setting` varchar(64) NOT NULL,
  `value` mediumtext NOT NULL,
  `created_at` timestamp NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated_at` timestamp NOT NULL DEFAULT '0000-00-00 00:00:00',
  PRIMARY KEY (`id`),
  UNIQUE KEY `whmcs_setting_unique` (`setting`),
  KEY `setting` (`setting`)
) ENGINE=InnoDB AUTO_INCREMENT=361 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;

CREATE TABLE IF NOT EXISTS `mod_pvewhmcs_nodes` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `pve_id` int(11) NOT NULL,
  `pve_name` varchar(255) NOT NULL,
  `whmcs_id` int(11) NOT NULL,
  `title` varchar(255) NOT NULL,
  `ip` varchar(100) NOT NULL,
  `pve_ver` varchar(20) NOT NULL DEFAULT '9.0.0',
  `status` varchar(20) NOT NULL DEFAULT 'active',
  `max_guests` int(5) NOT NULL DEFAULT '20',
  `health` text DEFAULT NULL,
  `load_avg` varchar(100) DEFAULT NULL,
  `load_crs` varchar(255) DEFAULT NULL,
  `notifiers` text DEFAULT NULL,
  `resources` text DEFAULT NULL,
  `supports` varchar(255) NOT NULL DEFAULT 'vm,ct',
  `templates` varchar(1000) NOT NULL DEFAULT '',
  `created` datetime NOT NULL,
  PRIMARY KEY (`id`)
);

CREATE TABLE IF NOT EXISTS `mod_pvewhmcs_plans` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `title` varchar(255) CHARACTER SET utf8 NOT NULL,
  `vmtype` varchar(8) NOT NULL,
  `ostype` varchar(8) DEFAULT NULL,
  `cpus` tinyint(3) unsigned DEFAULT NULL,
  `cpuemu` varchar(30) CHARACTER SET utf8 DEFAULT NULL,
  `cores` tinyint(3) unsigned DEFAULT NULL,
  `cpulimit` smallint(5) unsigned DEFAULT NULL,
  `cpuunits` smallint(5) unsigned DEFAULT NULL,
  `memory` smallint(8) unsigned NOT NULL,
  `swap` smallint(5) unsigned DEFAULT NULL,
  `disk` smallint(5) unsigned DEFAULT NULL,
  `diskformat` varchar(10) DEFAULT NULL,
  `diskcache` varchar(20) DEFAULT NULL,
  `disktype` varchar(20) DEFAULT NULL,
  `storage` varchar(20) DEFAULT 'local',
  `diskio` varchar(20) DEFAULT '0',
  `netmode` varchar(10) DEFAULT NULL,
  `bridge` varchar(20) NOT NULL DEFAULT 'vmbr',
  `vmbr` tinyint(1) unsigned DEFAULT NULL,
  `netmodel` varchar(10) DEFAULT NULL,
  `netrate` varchar(5) DEFAULT '0',
  `firewall` tinyint(1) unsigned NOT NULL DEFAULT 0,
  `bw` int(6) unsigned DEFAULT 0,
  `kvm` tinyint(1) unsigned DEFAULT 0,
  `onboot` tinyint(1) unsigned DEFAULT 0,
  `vlanid` varchar(10) DEFAULT NULL,
  `ipv6` varchar(10) DEFAULT 'auto',
  `balloon` varchar(10) DEFAULT '0',
  `unpriv` int(1) unsigned DEFAULT 0,
  `ssh-keys` varchar(100) DEFAULT '',
  PRIMARY KEY (`id`)
);

CREATE TABLE IF NOT EXISTS `mod_pvewhmcs_vms` (
  `id` int(10) unsigned NOT NULL,
  `vmid` int(10) unsigned DEFAULT NULL,
  `node_id` int(10) unsigned DEFAULT NULL,
  `user_id` int(10) unsigned NOT NULL,
  `vtype` varchar(255) NOT NULL,
  `ipaddress` varchar(255) NOT NULL,
  `subnetmask` varchar(255) NOT NULL,
  `gateway` varchar(255) NOT NULL,
  `created` datetime DEFAULT NULL,
  `v6prefix` varchar(128) DEFAULT NULL,
  PRIMARY KEY (`id`)
);
